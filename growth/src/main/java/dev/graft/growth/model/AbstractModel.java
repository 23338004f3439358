package dev.graft.growth.model;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.tensor.TensorSource;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;

/**
 * What the families share: input checks, embedding look-ups, scaled dot-product attention with
 * causal and padding masks, and the life cycle.
 */
abstract class AbstractModel implements TransformerModel {

    protected final ArchSpec arch;
    protected final Weights weights;
    private boolean closed;

    AbstractModel(ArchSpec arch, TensorSource tensors) {
        this.arch = arch;
        this.weights = new Weights(tensors);
    }

    @Override
    public ArchSpec arch() {
        return arch;
    }

    @Override
    public final ModelOutput forward(ModelInput input, ActivationTap tap) throws IOException {
        if (closed) {
            throw new IllegalStateException(
                    arch.family().modelType() + " model used after close()");
        }
        checkInput(input);
        INDArray[] out;
        try {
            out = compute(input, java.util.Objects.requireNonNull(tap, "tap"));
        } finally {
            weights.release();
        }
        long b = input.batchSize();
        long t = input.sequenceLength();
        INDArray hidden = out[0].reshape('c', b, t, out[0].size(1));
        INDArray logits = out[1] == null ? null : out[1].reshape('c', b, t, out[1].size(1));
        return new ModelOutput(hidden, logits);
    }

    /**
     * The final hidden states {@code [batch·tokens, hidden]} and logits {@code [batch·tokens,
     * vocab]} (null without a head).
     */
    abstract INDArray[] compute(ModelInput input, ActivationTap tap) throws IOException;

    /** Learned positions bound the sequence length; rotary ones do not. */
    boolean learnedPositions() {
        return true;
    }

    int typeVocabSize() {
        return 1;
    }

    @Override
    public void close() {
        closed = true;
        weights.release();
    }

    private void checkInput(ModelInput input) {
        int tokens = input.sequenceLength();
        if (learnedPositions() && tokens > arch.maxPositions()) {
            throw new IllegalArgumentException(
                    tokens
                            + " tokens per sequence is more than the "
                            + arch.maxPositions()
                            + " learned positions of this "
                            + arch.family().modelType()
                            + " model");
        }
        for (int b = 0; b < input.batchSize(); b++) {
            for (int t = 0; t < tokens; t++) {
                int id = input.token(b, t);
                if (id < 0 || id >= arch.vocabSize()) {
                    throw new IllegalArgumentException(
                            "token id "
                                    + id
                                    + " at sequence "
                                    + b
                                    + ", position "
                                    + t
                                    + " is outside the vocabulary [0, "
                                    + arch.vocabSize()
                                    + ")");
                }
                int type = input.tokenType(b, t);
                if (type < 0 || type >= typeVocabSize()) {
                    throw new IllegalArgumentException(
                            "token type "
                                    + type
                                    + " at sequence "
                                    + b
                                    + ", position "
                                    + t
                                    + " is outside [0, "
                                    + typeVocabSize()
                                    + ") for this "
                                    + arch.family().modelType()
                                    + " model");
                }
            }
        }
    }

    /**
     * Rows {@code table[ids]} as {@code [batch·tokens, width]}, plus, when {@code positions} is not
     * null, {@code positions[t]} for the token at position {@code t}.
     */
    static float[] embed(ModelInput in, float[] table, int width, float[] positions) {
        int tokens = in.sequenceLength();
        float[] out = new float[in.batchSize() * tokens * width];
        for (int b = 0; b < in.batchSize(); b++) {
            for (int t = 0; t < tokens; t++) {
                int row = (b * tokens + t) * width;
                System.arraycopy(table, in.token(b, t) * width, out, row, width);
                if (positions != null) {
                    for (int i = 0; i < width; i++) {
                        out[row + i] += positions[t * width + i];
                    }
                }
            }
        }
        return out;
    }

    static INDArray matrix(float[] values, long rows, long cols) {
        return Nd4j.create(values, new long[] {rows, cols}, 'c');
    }

    /**
     * Additive score masks, one {@code [tokens, tokens]} per sequence: {@link Nn#MASKED} where a
     * query must not see a key (a later position when causal; padding), 0 elsewhere. Null when
     * nothing is masked.
     */
    static INDArray[] scoreMasks(ModelInput in, boolean causal) {
        boolean padded = false;
        for (int b = 0; b < in.batchSize() && !padded; b++) {
            for (int t = 0; t < in.sequenceLength(); t++) {
                padded |= !in.attends(b, t);
            }
        }
        if (!causal && !padded) {
            return null;
        }
        int n = in.sequenceLength();
        INDArray[] masks = new INDArray[in.batchSize()];
        for (int b = 0; b < masks.length; b++) {
            float[] m = new float[n * n];
            for (int q = 0; q < n; q++) {
                for (int k = 0; k < n; k++) {
                    if ((causal && k > q) || !in.attends(b, k)) {
                        m[q * n + k] = Nn.MASKED;
                    }
                }
            }
            masks[b] = matrix(m, n, n);
        }
        return masks;
    }

    /**
     * Multi-head scaled dot-product attention ({@code softmax(q·kᵀ·scale + mask)·v} per head),
     * query head {@code h} reading key/value head {@code h / (heads / kvHeads)} (transformers'
     * {@code repeat_kv}). All sequences and heads at once: one batched matmul for the scores and
     * one for the context, {@code [batch·heads, tokens, headDim]} each.
     *
     * @param q {@code [batch·tokens, heads·headDim]}
     * @param k {@code [batch·tokens, kvHeads·headDim]}
     * @param v like {@code k}
     * @param masks from {@link #scoreMasks}, or null
     * @return {@code [batch·tokens, heads·headDim]}, heads concatenated
     */
    static INDArray attention(
            INDArray q,
            INDArray k,
            INDArray v,
            int batch,
            int tokens,
            int heads,
            int kvHeads,
            int headDim,
            double scale,
            INDArray[] masks) {
        INDArray qh = splitHeads(q, batch, tokens, heads, headDim);
        INDArray kh = repeatKv(splitHeads(k, batch, tokens, kvHeads, headDim), heads, kvHeads);
        INDArray vh = repeatKv(splitHeads(v, batch, tokens, kvHeads, headDim), heads, kvHeads);
        // [batch·heads, tokens, tokens]
        INDArray scores = Nd4j.matmul(qh, kh, false, true, false).muli(scale);
        if (masks != null) {
            for (int b = 0; b < batch; b++) {
                for (int h = 0; h < heads; h++) {
                    scores.slice((long) b * heads + h).addi(masks[b]);
                }
            }
        }
        // Rows of every head at once; reshape may copy, so the rows are reshaped back after.
        INDArray rows = scores.reshape('c', (long) batch * heads * tokens, tokens);
        Nn.softmaxRowsInPlace(rows);
        INDArray probs = rows.reshape('c', (long) batch * heads, tokens, tokens);
        INDArray context = Nd4j.matmul(probs, vh); // [batch·heads, tokens, headDim]
        return context.reshape('c', batch, heads, tokens, headDim)
                .permute(0, 2, 1, 3)
                .dup('c')
                .reshape('c', (long) batch * tokens, (long) heads * headDim);
    }

    /** {@code [batch·tokens, n·headDim]} to {@code [batch·n, tokens, headDim]}, c-ordered. */
    private static INDArray splitHeads(INDArray x, int batch, int tokens, int n, int headDim) {
        return x.reshape('c', batch, tokens, n, headDim)
                .permute(0, 2, 1, 3)
                .dup('c')
                .reshape('c', (long) batch * n, tokens, headDim);
    }

    /** Key/value heads {@code [batch·kvHeads, …]} to {@code [batch·heads, …]}, each repeated. */
    private static INDArray repeatKv(INDArray kv, int heads, int kvHeads) {
        if (heads == kvHeads) {
            return kv;
        }
        int perKv = heads / kvHeads;
        long batch = kv.size(0) / kvHeads;
        INDArray out = Nd4j.create(kv.dataType(), batch * heads, kv.size(1), kv.size(2));
        for (long b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                out.slice(b * heads + h).assign(kv.slice(b * kvHeads + h / perKv));
            }
        }
        return out;
    }
}
