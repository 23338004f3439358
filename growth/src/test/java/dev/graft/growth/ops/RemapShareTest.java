package dev.graft.growth.ops;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The batched split ({@link Remap#shareInto}, one set of draws per weight for all its copies) is
 * the per-copy rule ({@link Remap#share}) bit for bit, and LEMON's splits keep their guarantees:
 * unequal, summing to the weight, seeded.
 */
class RemapShareTest {

    @Test
    void batchedSharesEqualPerCopySharesBitForBit() {
        FanIn[] fans = {
            FanIn.randomSplit(0.5),
            FanIn.cancel(0.02),
            FanIn.equal(),
            FanIn.zero(),
            FanIn.copy(),
            FanIn.pairedNoise(0.1)
        };
        for (FanIn f : fans) {
            for (int m = 1; m <= 5; m++) {
                int[] targets = new int[m];
                for (int k = 0; k < m; k++) {
                    targets[k] = 2 * k + 1; // scattered, as copies of a channel are
                }
                for (long key = 0; key < 200; key++) {
                    float w = (float) Math.sin(key * 0.37) * 3;
                    float[] out = new float[2 * m + 1];
                    Remap.shareInto(f, w, Hashing.mix(key), targets, out, 0, 1, 0.7);
                    for (int k = 0; k < m; k++) {
                        assertThat(out[targets[k]])
                                .as(f.describe() + " m=" + m + " k=" + k)
                                .isEqualTo(Remap.share(f, w, Hashing.mix(key), k, m, 0.7));
                    }
                }
            }
        }
    }

    @Test
    void randomSplitsAreUnequalSumToTheWeightAndAreSeeded() {
        for (int m = 2; m <= 4; m++) {
            int[] targets = new int[m];
            for (int k = 0; k < m; k++) {
                targets[k] = k;
            }
            float[] out = new float[m];
            float[] again = new float[m];
            Remap.shareInto(FanIn.randomSplit(0.5), 1.5f, 12345L, targets, out, 0, 1, 0);
            Remap.shareInto(FanIn.randomSplit(0.5), 1.5f, 12345L, targets, again, 0, 1, 0);
            assertThat(again).isEqualTo(out);
            double sum = 0;
            for (float v : out) {
                sum += v;
            }
            assertThat(sum).isCloseTo(1.5, within(1e-6));
            assertThat(out[0]).isNotEqualTo(out[1]);
        }
    }

    @Test
    void copiesAreListedInCopyOrder() {
        int[][] copies = Remap.copiesOf(new int[] {0, 1, 2, 0, AxisMap.NEW, 1}, 3);
        assertThat(copies[0]).containsExactly(0, 3);
        assertThat(copies[1]).containsExactly(1, 5);
        assertThat(copies[2]).containsExactly(2);
    }
}
