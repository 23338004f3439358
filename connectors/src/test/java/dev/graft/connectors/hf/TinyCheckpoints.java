package dev.graft.connectors.hf;

import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.ShardedSafetensorsWriter;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.ExpectedTensor;
import dev.graft.growth.arch.LayoutVariant;
import dev.graft.growth.arch.TensorLayout;
import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.TensorInfo;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Small, complete Hugging Face checkpoints written from a config, for tests. */
public final class TinyCheckpoints {

    private TinyCheckpoints() {}

    /** A tiny GPT-2 config (d=8, 2 layers, vocab 32). */
    public static String gpt2Config() {
        return """
                {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 32,
                 "n_embd": 8, "n_head": 2, "n_layer": 2, "n_positions": 16, "torch_dtype": "float32",
                 "bos_token_id": 0}
                """;
    }

    /** Writes {@code config} and random tensors for it into {@code dir}. */
    public static Path write(Path dir, String config, DType dtype, long shardBytes)
            throws IOException {
        return write(dir, config, dtype, shardBytes, 1, null);
    }

    /**
     * Writes {@code config.json} and every tensor the architecture expects (Hub names, or {@code
     * variant}), filled with {@code scale}-sized Gaussian values.
     */
    public static Path write(
            Path dir,
            String config,
            DType dtype,
            long shardBytes,
            double scale,
            LayoutVariant variant)
            throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(HfConfig.FILE_NAME), config);
        ObjectNode json = HfConfig.readTree(dir.resolve(HfConfig.FILE_NAME));
        ArchSpec arch = HfConfig.fromJson(json, "config");
        List<TensorInfo> tensors = new ArrayList<>();
        for (ExpectedTensor e :
                TensorLayout.expected(
                        arch,
                        variant == null ? LayoutVariant.hubDefault(arch.family()) : variant)) {
            if (e.isRequired()) {
                tensors.add(new TensorInfo(e.name(), dtype, e.shape()));
            }
        }
        SplittableRandom random = new SplittableRandom(11);
        try (ShardedSafetensorsWriter out =
                SafetensorsCheckpoint.create(dir, tensors, Map.of("format", "pt"), shardBytes)) {
            for (TensorInfo t : tensors) {
                float[] v = new float[(int) t.elementCount()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (random.nextGaussian() * scale);
                }
                out.writeFloats(t.name(), v);
            }
        }
        return dir;
    }
}
