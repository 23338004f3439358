package dev.graft.growth.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The shared layers against numbers worked out by hand (or in double precision here). */
class NnTest {

    private static INDArray row(float... v) {
        return Nd4j.create(v, new long[] {1, v.length}, 'c');
    }

    @Test
    void layerNormUsesTheBiasedVariance() {
        // mean 2.5, biased variance 1.25: (x - 2.5) / √1.25
        INDArray y = Nn.layerNorm(row(1, 2, 3, 4), row(1, 1, 1, 1), row(0, 0, 0, 0), 0);
        double s = Math.sqrt(1.25);
        assertThat(y.toFloatVector())
                .containsExactly(
                        new float[] {
                            (float) (-1.5 / s),
                            (float) (-0.5 / s),
                            (float) (0.5 / s),
                            (float) (1.5 / s)
                        },
                        within(1e-6f));
        INDArray scaled = Nn.layerNorm(row(1, 2, 3, 4), row(2, 2, 2, 2), row(1, 1, 1, 1), 0.75);
        // variance 1.25 + eps 0.75 = 2
        assertThat(scaled.getDouble(0, 0)).isCloseTo(2 * -1.5 / Math.sqrt(2) + 1, within(1e-6));
    }

    @Test
    void rmsNormDividesByTheRootMeanSquare() {
        // rms of (3, 4) = √12.5
        INDArray y = Nn.rmsNorm(row(3, 4), row(1, 2), 0);
        assertThat(y.getDouble(0, 0)).isCloseTo(3 / Math.sqrt(12.5), within(1e-6));
        assertThat(y.getDouble(0, 1)).isCloseTo(2 * 4 / Math.sqrt(12.5), within(1e-6));
    }

    @Test
    void softmaxIsStableAndMasksToZero() {
        INDArray s = row(0, (float) Math.log(2), 1000, Nn.MASKED);
        s.putScalar(0, 2, 0); // replace the large value: (0, ln 2, 0, masked) → (1/4, 1/2, 1/4, 0)
        Nn.softmaxRowsInPlace(s);
        assertThat(s.toFloatVector())
                .containsExactly(new float[] {0.25f, 0.5f, 0.25f, 0}, within(1e-7f));
        INDArray big = Nn.softmaxRowsInPlace(row(1000, 1000));
        assertThat(big.toFloatVector()).containsExactly(0.5f, 0.5f);
    }

    @Test
    void linearAndConv1dUseTheirLayouts() {
        INDArray x = row(1, 2);
        INDArray outIn = Nd4j.create(new float[] {1, 0, 0, 1, 1, 1}, new long[] {3, 2}, 'c');
        assertThat(Nn.linear(x, outIn, row(0, 0, 10)).toFloatVector()).containsExactly(1, 2, 13);
        INDArray inOut = Nd4j.create(new float[] {1, 0, 1, 0, 1, 1}, new long[] {2, 3}, 'c');
        assertThat(Nn.conv1d(x, inOut, row(0, 0, 10)).toFloatVector()).containsExactly(1, 2, 13);
    }

    @Test
    void activationsMatchTheirDefinitions() {
        float[] xs = {-3f, -1f, -0.25f, 0f, 0.5f, 1f, 2.5f};
        for (Activation a : Activation.values()) {
            float[] y = a.applyInPlace(row(xs)).toFloatVector();
            for (int i = 0; i < xs.length; i++) {
                assertThat((double) y[i])
                        .as(a + "(" + xs[i] + ")")
                        .isCloseTo(reference(a, xs[i]), within(2e-6));
            }
        }
        // gelu(1) = Φ(1) = 0.8413447460685429; tanh form 0.8411919906082768
        assertThat(Activation.GELU_ERF.applyInPlace(row(1)).getDouble(0))
                .isCloseTo(0.8413447460685429, within(1e-6));
        assertThat(Activation.GELU_TANH.applyInPlace(row(1)).getDouble(0))
                .isCloseTo(0.8411919906082768, within(1e-6));
    }

    @Test
    void activationNamesAreTransformersNames() {
        assertThat(Activation.fromHfName("gelu")).isEqualTo(Activation.GELU_ERF);
        assertThat(Activation.fromHfName("gelu_new")).isEqualTo(Activation.GELU_TANH);
        assertThat(Activation.fromHfName("gelu_pytorch_tanh")).isEqualTo(Activation.GELU_TANH);
        assertThat(Activation.fromHfName("silu")).isEqualTo(Activation.SILU);
        assertThatThrownBy(() -> Activation.fromHfName("quick_gelu"))
                .hasMessageStartingWith("activation 'quick_gelu' is not implemented");
    }

    private static double reference(Activation a, double x) {
        return switch (a) {
            case GELU_ERF -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            case GELU_TANH ->
                    0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case SILU -> x / (1 + Math.exp(-x));
            case RELU -> Math.max(0, x);
        };
    }

    /** erf by its Maclaurin series (converges fast for |x| ≤ 3). */
    private static double erf(double x) {
        double sum = 0;
        double term = x;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }
}
