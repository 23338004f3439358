package dev.graft.growth.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Rotary position embedding as transformers' Llama applies it ({@code modeling_llama.py} {@code
 * LlamaRotaryEmbedding}, {@code rotate_half}, {@code apply_rotary_pos_emb}, rope type "default"):
 * dimension {@code i} of a head is paired with {@code i + head_dim/2} (not with {@code i+1} as in
 * the original paper; HF's conversion permutes the q/k rows to match), rotated by the angle {@code
 * position · θ^(−2i/head_dim)}.
 *
 * <p>Angles and their cosines and sines are computed in double and rounded once to F32.
 */
final class Rope {

    private final int headDim;
    private final double theta;

    Rope(int headDim, double theta) {
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException(
                    "head_dim " + headDim + " is odd; rotary embeddings need an even head_dim");
        }
        this.headDim = headDim;
        this.theta = theta;
    }

    /** The inverse frequency of pair {@code i}: {@code θ^(−2i/head_dim)}. */
    double inverseFrequency(int i) {
        return 1.0 / Math.pow(theta, (2.0 * i) / headDim);
    }

    /**
     * Rotates every head of {@code x} ({@code [batch·tokens, heads·head_dim]}, sequences one after
     * another, positions 0…tokens−1) in place and returns it.
     */
    INDArray applyInPlace(INDArray x, int batch, int tokens) {
        int half = headDim / 2;
        long width = x.size(1);
        if (width % headDim != 0 || x.size(0) != (long) batch * tokens) {
            throw new IllegalArgumentException(
                    "rotary input has shape ["
                            + x.size(0)
                            + ", "
                            + width
                            + "]; expected ["
                            + batch
                            + "·"
                            + tokens
                            + ", heads·"
                            + headDim
                            + "]");
        }
        float[] cos = new float[batch * tokens * half];
        float[] sin = new float[cos.length];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < half; i++) {
                double angle = t * inverseFrequency(i);
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                for (int b = 0; b < batch; b++) {
                    int at = ((b * tokens) + t) * half + i;
                    cos[at] = c;
                    sin[at] = s;
                }
            }
        }
        long rows = (long) batch * tokens;
        INDArray cosM = Nd4j.create(cos, new long[] {rows, half}, 'c');
        INDArray sinM = Nd4j.create(sin, new long[] {rows, half}, 'c');
        for (long h = 0; h < width / headDim; h++) {
            long start = h * headDim;
            INDArray x1 = x.get(NDArrayIndex.all(), NDArrayIndex.interval(start, start + half));
            INDArray x2 =
                    x.get(NDArrayIndex.all(), NDArrayIndex.interval(start + half, start + headDim));
            // q·cos + rotate_half(q)·sin, rotate_half(q) = [−q2, q1]
            INDArray first = x1.mul(cosM).subi(x2.mul(sinM));
            INDArray second = x2.mul(cosM).addi(x1.mul(sinM));
            x1.assign(first);
            x2.assign(second);
        }
        return x;
    }
}
