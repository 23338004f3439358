package dev.graft.growth.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Locale;

/**
 * The activation functions of the families, named as transformers' {@code ACT2FN} names them
 * ({@code activations.py}).
 */
enum Activation {
    /** {@code gelu}: exact, {@code 0.5·x·(1 + erf(x/√2))} ({@code GELUActivation}). */
    GELU_ERF,
    /**
     * {@code gelu_new}, {@code gelu_pytorch_tanh}, {@code gelu_fast}: {@code 0.5·x·(1 +
     * tanh(√(2/π)·(x + 0.044715·x³)))} ({@code NewGELUActivation}).
     */
    GELU_TANH,
    /** {@code silu} / {@code swish}: {@code x·σ(x)}. */
    SILU,
    /** {@code relu}. */
    RELU;

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    /**
     * The activation with this transformers name.
     *
     * @throws IllegalArgumentException naming the activation and the ones implemented
     */
    static Activation fromHfName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "gelu" -> GELU_ERF;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
            case "silu", "swish" -> SILU;
            case "relu" -> RELU;
            default ->
                    throw new IllegalArgumentException(
                            "activation '"
                                    + name
                                    + "' is not implemented by the reference forward pass;"
                                    + " expected gelu, gelu_new, gelu_pytorch_tanh, gelu_fast,"
                                    + " silu, swish or relu");
        };
    }

    /** Applies the activation to {@code x} in place and returns it. */
    INDArray applyInPlace(INDArray x) {
        switch (this) {
            case GELU_ERF -> {
                INDArray e = x.mul(1.0 / Math.sqrt(2.0));
                Nd4j.exec(new Erf(e, e));
                x.muli(e.addi(1.0)).muli(0.5);
            }
            case GELU_TANH -> {
                INDArray inner = x.mul(x).muli(0.044715).addi(1.0).muli(x).muli(SQRT_2_OVER_PI);
                x.muli(Transforms.tanh(inner, false).addi(1.0)).muli(0.5);
            }
            case SILU -> x.muli(Transforms.sigmoid(x, true));
            case RELU -> Transforms.relu(x, false);
        }
        return x;
    }
}
