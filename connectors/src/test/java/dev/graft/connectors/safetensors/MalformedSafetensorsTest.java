package dev.graft.connectors.safetensors;

import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.TensorInfo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class MalformedSafetensorsTest {

    @TempDir Path dir;

    static List<MalformedCorpus.Case> corpus() {
        return MalformedCorpus.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void eachMalformedFileFailsWithItsOwnMessage(MalformedCorpus.Case c) throws IOException {
        Path file = dir.resolve(c.name().replace(' ', '-') + ".safetensors");
        Files.write(file, c.bytes());
        // Kept for other tools (fuzzers, the CLI tests, people): target/malformed-corpus/.
        Path corpus = Path.of("target", "malformed-corpus");
        Files.createDirectories(corpus);
        Files.write(corpus.resolve(file.getFileName()), c.bytes());

        CheckpointFormatException e =
                catchThrowableOfType(
                        CheckpointFormatException.class,
                        () -> {
                            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                                f.checkValues();
                            }
                        });
        assertThat(e).as("no error for %s", c.name()).isNotNull();
        assertThat(e.getMessage())
                .contains(file.toString())
                .contains(c.expectedProblem())
                .doesNotContain("\n");
        assertThat(e.tensor().orElse(null)).isEqualTo(c.tensor());
    }

    @Test
    void shardsMustStayInsideTheCheckpointDirectory() throws IOException {
        Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
        Path outside = dir.resolve("outside.safetensors");
        try (SafetensorsWriter w =
                SafetensorsWriter.create(
                        outside,
                        List.of(new TensorInfo("a", DType.F32, new long[] {1})),
                        Map.of())) {
            w.writeFloats("a", new float[] {1});
        }
        Files.createSymbolicLink(ckpt.resolve("link.safetensors"), outside);
        assertIndexFails(
                ckpt, "{\"weight_map\":{\"a\":\"../outside.safetensors\"}}", "contains '..'");
        assertIndexFails(ckpt, "{\"weight_map\":{\"a\":\"" + outside + "\"}}", "is absolute");
        assertIndexFails(ckpt, "{\"weight_map\":{\"a\":\"link.safetensors\"}}", "is a link to");
        assertIndexFails(
                ckpt,
                "{\"weight_map\":{\"a\":\"nope.safetensors\"}}",
                "shard file 'nope.safetensors' does not exist");
        assertIndexFails(ckpt, "{\"weight_map\":{\"a\":3}}", "weight_map value is not a string");
        assertIndexFails(ckpt, "{\"metadata\":{}}", "index has no weight_map");
        assertIndexFails(ckpt, "[]", "index is not a JSON object");
    }

    @Test
    void indexAndShardsMustAgree() throws IOException {
        Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
        List<TensorInfo> tensors =
                List.of(
                        new TensorInfo("a", DType.F32, new long[] {2}),
                        new TensorInfo("b", DType.F32, new long[] {2}),
                        new TensorInfo("c", DType.F32, new long[] {2}));
        try (ShardedSafetensorsWriter w =
                SafetensorsCheckpoint.create(ckpt, tensors, Map.of(), 16)) {
            w.writeFloats("a", new float[] {1, 2});
            w.writeFloats("b", new float[] {3, 4});
            w.writeFloats("c", new float[] {5, 6});
        }
        String s1 = "model-00001-of-00002.safetensors";
        String s2 = "model-00002-of-00002.safetensors";
        try (SafetensorsSource in = SafetensorsCheckpoint.open(ckpt)) {
            assertThat(in.files()).hasSize(3);
            assertThat(in.fileOf("c").getFileName().toString()).isEqualTo(s2);
            assertThat(in.tensors()).extracting(TensorInfo::name).containsExactly("a", "b", "c");
        }
        assertIndexFails(
                ckpt,
                "{\"weight_map\":{\"a\":\"" + s1 + "\",\"c\":\"" + s2 + "\"}}",
                "tensor 'b': is in the shard but not in the index");
        assertIndexFails(
                ckpt,
                "{\"weight_map\":{\"a\":\"" + s1 + "\",\"b\":\"" + s2 + "\",\"c\":\"" + s2 + "\"}}",
                "tensor 'b': is in shard '" + s1 + "' but the weight_map names '" + s2 + "'");
        assertIndexFails(
                ckpt,
                "{\"weight_map\":{\"a\":\"" + s1 + "\",\"b\":\"" + s1 + "\",\"c\":\"" + s1 + "\"}}",
                "tensor 'c': is in the weight_map but not in shard '" + s1 + "'");
        assertIndexFails(
                ckpt,
                "{\"metadata\":{\"total_size\":5},\"weight_map\":{\"a\":\""
                        + s1
                        + "\",\"b\":\""
                        + s1
                        + "\",\"c\":\""
                        + s2
                        + "\"}}",
                "metadata.total_size is 5 but the shards' tensors hold 24 bytes");
        assertIndexFails(
                ckpt,
                "{\"metadata\":{\"total_size\":\"x\"},\"weight_map\":{}}",
                "metadata.total_size is x");
    }

    private static void assertIndexFails(Path ckpt, String index, String expected)
            throws IOException {
        Path file = ckpt.resolve(SafetensorsIndex.FILE_NAME);
        Files.writeString(file, index, StandardCharsets.UTF_8);
        CheckpointFormatException e =
                catchThrowableOfType(
                        CheckpointFormatException.class,
                        () -> SafetensorsCheckpoint.open(ckpt).close());
        assertThat(e).as("no error for %s", index).isNotNull();
        assertThat(e.getMessage()).contains(expected);
    }
}
