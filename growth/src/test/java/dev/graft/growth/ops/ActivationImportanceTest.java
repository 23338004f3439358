package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.model.TransformerModel;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Batching the calibration (sequences of one length run together) must give what running every
 * sequence alone gives: token-weighted means of the per-sequence scores.
 */
class ActivationImportanceTest {

    @Test
    void batchesGroupOneLengthShortestFirstInOrderAndCapTheTokens() {
        int[] a = {1, 2, 3};
        int[] b = {4, 5};
        int[] c = {6, 7, 8};
        int[] d = {9, 10, 11};
        List<int[][]> batches = ActivationImportance.batches(List.of(a, b, c, d), 6);
        assertThat(batches).hasSize(3);
        assertThat(batches.get(0)).isDeepEqualTo(new int[][] {b});
        assertThat(batches.get(1)).isDeepEqualTo(new int[][] {a, c});
        assertThat(batches.get(2)).isDeepEqualTo(new int[][] {d});
        // a sequence longer than the cap runs alone
        assertThat(ActivationImportance.batches(List.of(a, c), 2)).hasSize(2);
    }

    @Test
    void batchedScoresEqualTheTokenWeightedMeanOfEachSequenceAlone() throws Exception {
        for (String family : List.of("bert", "gpt2", "llama")) {
            ArchSpec arch = ShrinkFixtureTest.arch(family);
            Fixtures.InMemorySource source =
                    Fixtures.source(
                            Path.of("src/test/resources/shrink/subclone-" + family)
                                    .resolve("source.safetensors"));
            List<int[]> sequences =
                    List.of(
                            new int[] {3, 7, 1, 9, 2},
                            new int[] {5, 5, 0, 11},
                            new int[] {8, 2, 6, 4, 1},
                            new int[] {10, 3, 3, 7},
                            new int[] {1, 2, 3, 4, 5, 6, 7});
            try (TransformerModel model = TransformerModel.of(arch, source)) {
                Importance together = ActivationImportance.measure(model, sequences);
                double[] hidden = new double[arch.hiddenSize()];
                double[] ffn0 = new double[arch.intermediateSize()];
                double[] heads0 = new double[arch.numHeads()];
                double[] blocks = new double[arch.numLayers()];
                int tokens = 0;
                for (int[] s : sequences) {
                    Importance alone = ActivationImportance.measure(model, List.of(s));
                    for (int i = 0; i < hidden.length; i++) {
                        hidden[i] += alone.hidden()[i] * s.length;
                    }
                    for (int i = 0; i < ffn0.length; i++) {
                        ffn0[i] += alone.ffn()[0][i] * s.length;
                    }
                    for (int i = 0; i < heads0.length; i++) {
                        heads0[i] += alone.heads()[0][i] * s.length;
                    }
                    for (int i = 0; i < blocks.length; i++) {
                        blocks[i] += alone.blocks()[i] * s.length;
                    }
                    tokens += s.length;
                }
                assertMeans(family + " hidden", together.hidden(), hidden, tokens);
                assertMeans(family + " ffn[0]", together.ffn()[0], ffn0, tokens);
                assertMeans(family + " heads[0]", together.heads()[0], heads0, tokens);
                assertMeans(family + " blocks", together.blocks(), blocks, tokens);
            }
        }
    }

    private static void assertMeans(String what, double[] actual, double[] sums, int tokens) {
        assertThat(actual).as(what).hasSameSizeAs(sums);
        for (int i = 0; i < sums.length; i++) {
            double expected = sums[i] / tokens;
            assertThat(actual[i])
                    .as(what + "[" + i + "]")
                    .isCloseTo(expected, within(1e-5 * Math.max(1, Math.abs(expected))));
        }
    }
}
