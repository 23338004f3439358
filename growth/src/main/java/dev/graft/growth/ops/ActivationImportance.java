package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.model.ActivationTap;
import dev.graft.growth.model.ModelInput;
import dev.graft.growth.model.ModelOutput;
import dev.graft.growth.model.TransformerModel;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Weight subcloning's importance (arXiv 2312.09299 §3): run the parent on calibration tokens and
 * average the absolute activations over sequences and positions.
 *
 * <ul>
 *   <li><b>Residual-stream channels</b>: one score per channel shared by every layer, "the sum of
 *       neuron importance scores across all layers connected by residual paths": the sum of mean
 *       |value| over every point where the residual stream is. In a pre-LN model (gpt2, llama) the
 *       stream is the running sum of what is written into it, so the points are its writers: the
 *       embeddings and, per block, the attention and FFN output projections. In a post-LN model
 *       (bert) every add is followed by a LayerNorm and the stream <i>is</i> that LayerNorm's
 *       output: the points are the embedding LayerNorm and, per block, the attention and output
 *       LayerNorms. (Scoring a post-LN model by its sublayers' raw outputs ranks channels by what
 *       is re-normalised away; on all-MiniLM-L6-v2 that kept worse channels than even spacing —
 *       docs/operators.md, "Shrinking real weights".)
 *   <li><b>Heads</b>, per layer: mean |attention output| over the head's channels ("neurons after
 *       the softmax"), before the output projection. Under GQA a KV group scores the sum of its
 *       query heads (see {@link Shrinking}).
 *   <li><b>FFN neurons</b>, per layer: mean |input of the down projection|.
 *   <li><b>Blocks</b>: mean over tokens of {@code 1 − cos(block input, block output)} (Minitron's
 *       block importance, arXiv 2407.14679), for {@link Shrinking.DepthRule#IMPORTANCE}.
 * </ul>
 *
 * <pre>{@code
 * Importance imp = ActivationImportance.measure(model, List.of(new int[] {5, 9, 2, 7}));
 * }</pre>
 *
 * <p>Deterministic: the same model and tokens give the same scores. Sequences longer than the
 * model's learned positions are cut into pieces.
 */
public final class ActivationImportance implements ActivationTap {

    private final double[] hidden;
    private final double[][] heads;
    private final double[][] ffn;
    private final double[] blocks;
    private final int headDim;
    private final INDArray[] blockInputs;
    private final boolean postNorm;
    private long rows;

    private ActivationImportance(ArchSpec arch) {
        int layers = arch.numLayers();
        this.hidden = new double[arch.hiddenSize()];
        this.heads = new double[layers][arch.numHeads()];
        this.ffn = new double[layers][arch.intermediateSize()];
        this.blocks = new double[layers];
        this.headDim = arch.headDim();
        this.blockInputs = new INDArray[layers];
        this.postNorm = arch.family().isEncoder();
    }

    /** At most this many tokens run in one batch (sequences of one length, never padded). */
    static final int MAX_BATCH_TOKENS = 4096;

    /**
     * Runs {@code model} on the calibration sequences and returns the importance. Sequences of one
     * length run together as one batch (no padding, so no pad token is ever measured), at most
     * {@value #MAX_BATCH_TOKENS} tokens at a time; the scores are sums over tokens, so batching
     * changes only the order of the additions.
     *
     * @throws IllegalArgumentException when there are no tokens, or a token is outside the
     *     vocabulary
     */
    public static Importance measure(TransformerModel model, List<int[]> sequences)
            throws IOException {
        ArchSpec arch = model.arch();
        ActivationImportance tap = new ActivationImportance(arch);
        int max = arch.family().isLlamaLike() ? 1024 : arch.maxPositions();
        for (int[][] batch : batches(pieces(sequences, max), MAX_BATCH_TOKENS)) {
            try (ModelOutput out = model.forward(ModelInput.of(batch), tap)) {
                // the output is not needed: the tap has seen every activation
            }
            tap.rows += (long) batch.length * batch[0].length;
        }
        if (tap.rows == 0) {
            throw new IllegalArgumentException(
                    "no calibration tokens: give at least one non-empty sequence");
        }
        return tap.result();
    }

    /** The sequences cut into pieces of at most {@code max} tokens; empty ones dropped. */
    static List<int[]> pieces(List<int[]> sequences, int max) {
        List<int[]> out = new ArrayList<>();
        for (int[] s : sequences) {
            for (int start = 0; start < s.length; start += max) {
                out.add(java.util.Arrays.copyOfRange(s, start, Math.min(s.length, start + max)));
            }
        }
        return out;
    }

    /**
     * Sequences of one length together, shortest first, in their given order within a length, at
     * most {@code maxTokens} tokens per batch (a longer sequence runs alone).
     */
    static List<int[][]> batches(List<int[]> pieces, int maxTokens) {
        java.util.SortedMap<Integer, List<int[]>> byLength = new java.util.TreeMap<>();
        for (int[] p : pieces) {
            byLength.computeIfAbsent(p.length, k -> new ArrayList<>()).add(p);
        }
        List<int[][]> out = new ArrayList<>();
        for (var e : byLength.entrySet()) {
            int perBatch = Math.max(1, maxTokens / e.getKey());
            List<int[]> same = e.getValue();
            for (int start = 0; start < same.size(); start += perBatch) {
                out.add(
                        same.subList(start, Math.min(same.size(), start + perBatch))
                                .toArray(new int[0][]));
            }
        }
        return out;
    }

    private Importance result() {
        double n = rows;
        double[] h = new double[hidden.length];
        for (int i = 0; i < h.length; i++) {
            h[i] = hidden[i] / n;
        }
        double[][] hs = new double[heads.length][];
        double[][] fs = new double[ffn.length][];
        double[] bs = new double[blocks.length];
        for (int l = 0; l < heads.length; l++) {
            hs[l] = new double[heads[l].length];
            for (int i = 0; i < hs[l].length; i++) {
                hs[l][i] = heads[l][i] / (n * headDim);
            }
            fs[l] = new double[ffn[l].length];
            for (int i = 0; i < fs[l].length; i++) {
                fs[l][i] = ffn[l][i] / n;
            }
            bs[l] = blocks[l] / n;
        }
        return new Importance(
                "activations (mean |a| over "
                        + rows
                        + " tokens; residual channels "
                        + (postNorm ? "at every LayerNorm output" : "at every write")
                        + ")",
                h,
                hs,
                fs,
                bs);
    }

    private static double[] columnAbsSums(INDArray x) {
        return Transforms.abs(x, true).castTo(DataType.DOUBLE).sum(0).toDoubleVector();
    }

    private static void add(double[] acc, double[] v) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }

    @Override
    public void embeddings(INDArray x) {
        add(hidden, columnAbsSums(x));
    }

    @Override
    public void blockInput(int layer, INDArray h) {
        blockInputs[layer] = h.dup('c');
    }

    @Override
    public void attentionHeads(int layer, INDArray o) {
        double[] c = columnAbsSums(o);
        for (int i = 0; i < c.length; i++) {
            heads[layer][i / headDim] += c[i];
        }
    }

    @Override
    public void attentionOutput(int layer, INDArray x) {
        if (!postNorm) {
            add(hidden, columnAbsSums(x));
        }
    }

    @Override
    public void attentionNormOutput(int layer, INDArray h) {
        if (postNorm) {
            add(hidden, columnAbsSums(h));
        }
    }

    @Override
    public void ffnHidden(int layer, INDArray m) {
        add(ffn[layer], columnAbsSums(m));
    }

    @Override
    public void ffnOutput(int layer, INDArray x) {
        if (!postNorm) {
            add(hidden, columnAbsSums(x));
        }
    }

    @Override
    public void blockOutput(int layer, INDArray h) {
        if (postNorm) {
            add(hidden, columnAbsSums(h));
        }
        INDArray in = blockInputs[layer].castTo(DataType.DOUBLE);
        INDArray out = h.castTo(DataType.DOUBLE);
        double[] dot = in.mul(out).sum(1).toDoubleVector();
        double[] a = in.norm2(1).toDoubleVector();
        double[] b = out.norm2(1).toDoubleVector();
        for (int r = 0; r < dot.length; r++) {
            double denom = a[r] * b[r];
            blocks[layer] += 1 - (denom == 0 ? 1 : dot[r] / denom);
        }
        blockInputs[layer] = null;
    }
}
