package dev.graft.connectors.model;

import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.growth.model.ModelInput;
import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.TensorInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/**
 * The numpy reference's probe inputs and golden outputs ({@code probe.safetensors} beside each
 * model under {@code src/test/resources/models}, written by {@code
 * src/test/python/reference_models.py}).
 */
record Goldens(
        ModelInput input,
        double[] hidden,
        long[] hiddenShape,
        double[] logits,
        long[] logitsShape) {

    static final Path MODELS = Path.of("src/test/resources/models");

    /** The model directories, as the script names them. */
    static final List<String> NAMES =
            List.of(
                    "gpt2-tiny",
                    "gpt2-transformer-prefix-untied",
                    "llama-gqa-tied",
                    "llama-mqa-untied-headdim",
                    "qwen2-bias",
                    "bert-mlm",
                    "bert-encoder",
                    "albert-shared");

    static Goldens read(Path modelDir) throws IOException {
        try (SafetensorsSource s =
                SafetensorsCheckpoint.open(modelDir.resolve("probe.safetensors"))) {
            ModelInput in = ModelInput.of(ints(s, "input_ids"));
            if (s.find("token_type_ids").isPresent()) {
                in = in.withTokenTypes(ints(s, "token_type_ids"));
            }
            if (s.find("attention_mask").isPresent()) {
                in = in.withAttentionMask(ints(s, "attention_mask"));
            }
            double[] logits = s.find("logits").isPresent() ? doubles(s, "logits") : null;
            return new Goldens(
                    in,
                    doubles(s, "hidden_states"),
                    s.info("hidden_states").shape(),
                    logits,
                    logits == null ? null : s.info("logits").shape());
        }
    }

    private static int[][] ints(SafetensorsSource s, String name) throws IOException {
        TensorInfo t = s.info(name);
        if (t.dtype() != DType.I32 || t.rank() != 2) {
            throw new IllegalStateException(name + " is " + t + "; expected I32 [batch, tokens]");
        }
        ByteBuffer raw = s.readRaw(name).order(ByteOrder.LITTLE_ENDIAN);
        int[][] out = new int[(int) t.dim(0)][(int) t.dim(1)];
        for (int[] row : out) {
            for (int i = 0; i < row.length; i++) {
                row[i] = raw.getInt();
            }
        }
        return out;
    }

    private static double[] doubles(SafetensorsSource s, String name) throws IOException {
        TensorInfo t = s.info(name);
        if (t.dtype() != DType.F64) {
            throw new IllegalStateException(name + " is " + t + "; expected F64");
        }
        double[] out = new double[(int) t.elementCount()];
        s.readRaw(name).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
        return out;
    }

    /** max |actual − expected| / max |expected|. */
    static double relativeError(float[] actual, double[] expected) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException(
                    actual.length + " values, expected " + expected.length);
        }
        double maxDelta = 0;
        double scale = 0;
        for (int i = 0; i < actual.length; i++) {
            maxDelta = Math.max(maxDelta, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return maxDelta / scale;
    }
}
