package dev.graft.growth.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Rotary embeddings in transformers' rotate-half convention, worked by hand. */
class RopeTest {

    @Test
    void inverseFrequenciesFollowTheta() {
        Rope rope = new Rope(4, 10000);
        assertThat(rope.inverseFrequency(0)).isEqualTo(1.0);
        assertThat(rope.inverseFrequency(1)).isCloseTo(0.01, within(1e-15));
    }

    @Test
    void pairsDimensionIWithIPlusHalfHeadDim() {
        // head_dim 4: pairs (0, 2) at frequency 1 and (1, 3) at frequency 0.01.
        // One sequence of 2 tokens, 2 heads; position 0 is left alone.
        float[] x = {
            1, 2, 3, 4, /* head 1 */ 5, 6, 7, 8, // position 0
            1, 0, 0, 0, /* head 1 */ 0, 1, 0, 1 // position 1
        };
        INDArray a = Nd4j.create(x, new long[] {2, 8}, 'c');
        new Rope(4, 10000).applyInPlace(a, 1, 2);
        assertThat(a.getRow(0).toFloatVector()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        double c1 = Math.cos(1);
        double s1 = Math.sin(1);
        double c2 = Math.cos(0.01);
        double s2 = Math.sin(0.01);
        // head 0: (x0, x2) = (1, 0) → (cos 1, sin 1)
        float[] p = a.getRow(1).toFloatVector();
        assertThat(p[0]).isCloseTo((float) c1, within(1e-7f));
        assertThat(p[1]).isZero();
        assertThat(p[2]).isCloseTo((float) s1, within(1e-7f));
        assertThat(p[3]).isZero();
        // head 1: (x1, x3) = (1, 1) at angle 0.01 → (cos − sin, cos + sin); (x0, x2) = (0, 0)
        assertThat(p[4]).isZero();
        assertThat(p[5]).isCloseTo((float) (c2 - s2), within(1e-7f));
        assertThat(p[6]).isZero();
        assertThat(p[7]).isCloseTo((float) (c2 + s2), within(1e-7f));
    }

    @Test
    void positionsRestartInEverySequence() {
        float[] x = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
        INDArray a = Nd4j.create(x, new long[] {4, 4}, 'c');
        new Rope(4, 10000).applyInPlace(a, 2, 2);
        assertThat(a.getRow(2).toFloatVector()).containsExactly(1, 0, 0, 0);
        assertThat(a.getRow(3).toFloatVector()).containsExactly(a.getRow(1).toFloatVector());
    }

    @Test
    void refusesOddHeadDims() {
        assertThatThrownBy(() -> new Rope(5, 10000)).hasMessageContaining("head_dim 5 is odd");
    }
}
