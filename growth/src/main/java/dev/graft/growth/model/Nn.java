package dev.graft.growth.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The layers the families share, on rows of a 2-D activation {@code [tokens, features]}. All F32;
 * each states the transformers code it follows.
 */
final class Nn {

    /**
     * Added to the scores of masked keys: far below any score, yet finite, so a row whose keys are
     * all masked averages uniformly (as transformers' {@code finfo.min} mask does) instead of
     * producing NaN.
     */
    static final float MASKED = -1e30f;

    private Nn() {}

    /** {@code torch.nn.LayerNorm}: biased variance over each row. Returns a new array. */
    static INDArray layerNorm(INDArray x, INDArray weight, INDArray bias, double eps) {
        INDArray centered = x.subColumnVector(x.mean(true, 1));
        INDArray variance = centered.mul(centered).mean(true, 1);
        INDArray std = Transforms.sqrt(variance.addi(eps), false);
        return centered.diviColumnVector(std).muliRowVector(weight).addiRowVector(bias);
    }

    /**
     * {@code LlamaRMSNorm}: {@code weight · x / √(mean(x²) + eps)} over each row. Returns a new
     * array.
     */
    static INDArray rmsNorm(INDArray x, INDArray weight, double eps) {
        INDArray rms = Transforms.sqrt(x.mul(x).mean(true, 1).addi(eps), false);
        return x.divColumnVector(rms).muliRowVector(weight);
    }

    /** {@code nn.Linear}: weight {@code (out, in)}, {@code y = x·Wᵀ + b}; bias may be null. */
    static INDArray linear(INDArray x, INDArray weight, INDArray bias) {
        INDArray y = x.mmul(weight.transpose());
        return bias == null ? y : y.addiRowVector(bias);
    }

    /** GPT-2 {@code Conv1D}: weight {@code (in, out)}, {@code y = x·W + b}. */
    static INDArray conv1d(INDArray x, INDArray weight, INDArray bias) {
        return x.mmul(weight).addiRowVector(bias);
    }

    /** Softmax over each row, in place (max subtracted first). */
    static INDArray softmaxRowsInPlace(INDArray scores) {
        scores.subiColumnVector(scores.max(true, 1));
        Transforms.exp(scores, false);
        return scores.diviColumnVector(scores.sum(true, 1));
    }
}
