package dev.graft.cli;

import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.ShardedSafetensorsWriter;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.connectors.store.PublishRequest;
import dev.graft.connectors.store.PublishedCheckpoint;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.ExpectedTensor;
import dev.graft.growth.arch.LayoutVariant;
import dev.graft.growth.arch.TensorLayout;
import dev.graft.growth.tensor.TensorInfo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class InspectCommandTest {

    static final String LLAMA =
            """
            {"model_type": "llama", "vocab_size": 64, "hidden_size": 16, "intermediate_size": 32,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "tie_word_embeddings": false, "rope_theta": 10000.0, "torch_dtype": "bfloat16"}
            """;

    @TempDir Path dir;

    static CliRun run(String... args) {
        return CliRun.of(new InspectCommand(), args);
    }

    static Path checkpoint(Path dir, String config, long shardBytes) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), config);
        ArchSpec arch = HfConfig.read(dir.resolve("config.json"));
        List<TensorInfo> tensors = new ArrayList<>();
        for (ExpectedTensor e :
                TensorLayout.expected(arch, LayoutVariant.hubDefault(arch.family()))) {
            if (e.isRequired()) {
                tensors.add(new TensorInfo(e.name(), arch.dtype(), e.shape()));
            }
        }
        try (ShardedSafetensorsWriter w =
                SafetensorsCheckpoint.create(dir, tensors, Map.of("format", "pt"), shardBytes)) {
            for (TensorInfo t : tensors) {
                float[] v = new float[(int) t.elementCount()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (i % 7) * 0.25f - 0.5f;
                }
                w.writeFloats(t.name(), v);
            }
        }
        return dir;
    }

    @Test
    void printsFamilyArchitectureParametersDtypesAndTensors() throws IOException {
        Path ckpt = checkpoint(dir.resolve("llama"), LLAMA, 2_000);
        CliRun r = run(ckpt.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        long params = TensorLayout.parameterCount(HfConfig.read(ckpt.resolve("config.json")));
        assertThat(r.out())
                .contains("family:       llama (from config.json)")
                .contains("hidden 16, layers 2, heads 4 (kv 2, head_dim 4)")
                .contains(String.format("parameters:   %,d", params))
                .contains("dtypes:       BF16 × 21")
                .contains("values:       all finite")
                .contains("shards + index")
                .contains("model.layers.1.self_attn.k_proj.weight")
                .contains("lm_head.weight");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void jsonForMachines() throws IOException {
        Path ckpt = checkpoint(dir.resolve("llama"), LLAMA, Long.MAX_VALUE);
        CliRun r = run("--json", ckpt.toString());
        assertThat(r.exitCode()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("valid").asBoolean()).isTrue();
        assertThat(json.get("family").asText()).isEqualTo("llama");
        assertThat(json.get("architecture").get("num_kv_heads").asInt()).isEqualTo(2);
        assertThat(json.get("tensors")).hasSize(21);
        assertThat(json.get("dtypes").get("BF16").get("tensors").asInt()).isEqualTo(21);
    }

    @Test
    void aBareSafetensorsFileIsInspectedWithoutConfig() throws IOException {
        Path ckpt = checkpoint(dir.resolve("llama"), LLAMA, Long.MAX_VALUE);
        CliRun r = run(ckpt.resolve("model.safetensors").toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("family:       llama (from tensor names)").contains("1 file");
    }

    @Test
    void publishedCheckpointsHaveTheirManifestVerified() throws IOException {
        Path ckpt = checkpoint(dir.resolve("llama"), LLAMA, Long.MAX_VALUE);
        CheckpointStore store = CheckpointStore.open(dir.resolve("store").toUri());
        PublishedCheckpoint p = store.publish(PublishRequest.imported("run", 0, 100, null), ckpt);
        Path published = Path.of(URI.create(p.toRef().getUri()));
        CliRun r = run(published.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains(
                        "manifest:     graft.json v1, 2 files verified; run run generation 0 step 100, operator import");
        byte[] config = Files.readAllBytes(published.resolve("config.json"));
        config[config.length - 2] = ' ';
        Files.write(published.resolve("config.json"), config);
        CliRun tampered = run(published.toString());
        assertThat(tampered.exitCode()).isEqualTo(InspectCommand.INVALID);
        assertThat(tampered.err()).contains("lists 'config.json' with sha256");
    }

    @Test
    void invalidCheckpointsExitNonZeroWithOneLine() throws IOException {
        Path ckpt = checkpoint(dir.resolve("llama"), LLAMA, Long.MAX_VALUE);
        Files.writeString(
                ckpt.resolve("config.json"),
                LLAMA.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        CliRun missing = run(ckpt.toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err().strip().lines()).hasSize(1);
        assertThat(missing.err())
                .contains("9 missing tensor(s): model.layers.2.input_layernorm.weight[16]");

        Files.writeString(ckpt.resolve("config.json"), LLAMA.replace("llama", "t5"));
        assertThat(run(ckpt.toString()).err())
                .contains("model_type 't5' is not a family Graft knows");

        Path nan = dir.resolve("nan.safetensors");
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        ByteBuffer b = ByteBuffer.allocate(8 + header.length() + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length()).put(header.getBytes()).putFloat(1f).putFloat(Float.NaN);
        Files.write(nan, b.array());
        CliRun r = run(nan.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err())
                .isEqualTo(
                        "graft inspect: "
                                + nan
                                + ": tensor 'a': F32[2] holds a NaN or infinite value at flat"
                                + " index 1; every float in a checkpoint must be finite"
                                + System.lineSeparator());
        assertThat(run("--skip-values", nan.toString()).exitCode()).isZero();

        CliRun verbose = run("--verbose", nan.toString());
        assertThat(verbose.err()).contains("CheckpointFormatException").contains("\tat ");

        CliRun json = run("--json", nan.toString());
        assertThat(json.out()).contains("\"valid\" : false");

        CliRun absent = run(dir.resolve("nope").toString());
        assertThat(absent.exitCode()).isEqualTo(1);
        assertThat(absent.err()).contains("nope: no such file or directory");
    }

    @Test
    void hostileHeaderLengthIsRefusedBeforeAnythingIsAllocated() throws IOException {
        Path hostile = dir.resolve("hostile.safetensors");
        Files.write(
                hostile,
                ByteBuffer.allocate(16)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(Long.MAX_VALUE)
                        .array());
        CliRun r = run(hostile.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err())
                .contains("header length 9223372036854775807 exceeds the 8 bytes after it");
    }
}
