package dev.graft.growth.ops;

import java.util.Arrays;
import java.util.Objects;

/**
 * How much each residual-stream channel, attention head, FFN neuron and block of a model matters,
 * larger is more important: what subcloning keeps. Made by {@link ActivationImportance} (mean
 * |activation| on calibration tokens) or {@link WeightMagnitude} (weight norms).
 *
 * @param basis where the scores come from, for plans and manifests
 * @param hidden one score per residual-stream channel, shared by every layer
 * @param heads per source layer, one score per query head
 * @param ffn per source layer, one score per FFN neuron
 * @param blocks per source layer, the block importance {@code 1 − cos(input, output)} (Minitron);
 *     null when not measured
 */
public record Importance(
        String basis, double[] hidden, double[][] heads, double[][] ffn, double[] blocks) {

    public Importance {
        Objects.requireNonNull(basis, "basis");
        hidden = hidden.clone();
        heads = deepCopy(heads);
        ffn = deepCopy(ffn);
        blocks = blocks == null ? null : blocks.clone();
        if (heads.length != ffn.length || blocks != null && blocks.length != heads.length) {
            throw new IllegalArgumentException(
                    "importance covers "
                            + heads.length
                            + " layers of heads, "
                            + ffn.length
                            + " of FFN and "
                            + (blocks == null ? "no" : Integer.toString(blocks.length))
                            + " blocks; expected the same number");
        }
    }

    /** Number of source layers covered. */
    public int layers() {
        return heads.length;
    }

    /**
     * The {@code keep} indices with the largest scores, best first (ties: the lower index first):
     * subcloning's "reorder by importance, keep the first".
     *
     * <pre>{@code
     * Importance.top(new double[] {0.1, 0.9, 0.5}, 2) // [1, 2]
     * }</pre>
     */
    public static int[] top(double[] scores, int keep) {
        if (keep > scores.length) {
            throw new IllegalArgumentException(
                    "cannot keep " + keep + " of " + scores.length + " indices");
        }
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> a.equals(b) ? 0 : compare(scores, a, b));
        int[] out = new int[keep];
        for (int i = 0; i < keep; i++) {
            out[i] = order[i];
        }
        return out;
    }

    /** Scores of {@code groups} consecutive blocks of {@code scores}, each the sum of its block. */
    public static double[] grouped(double[] scores, int groups) {
        int per = scores.length / groups;
        double[] out = new double[groups];
        for (int i = 0; i < scores.length; i++) {
            out[i / per] += scores[i];
        }
        return out;
    }

    private static int compare(double[] s, int a, int b) {
        int c = Double.compare(s[b], s[a]);
        return c != 0 ? c : Integer.compare(a, b);
    }

    @Override
    public double[] hidden() {
        return hidden.clone();
    }

    @Override
    public double[][] heads() {
        return deepCopy(heads);
    }

    @Override
    public double[][] ffn() {
        return deepCopy(ffn);
    }

    @Override
    public double[] blocks() {
        return blocks == null ? null : blocks.clone();
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Importance i
                && basis.equals(i.basis)
                && Arrays.equals(hidden, i.hidden)
                && Arrays.deepEquals(heads, i.heads)
                && Arrays.deepEquals(ffn, i.ffn)
                && Arrays.equals(blocks, i.blocks);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                basis,
                Arrays.hashCode(hidden),
                Arrays.deepHashCode(heads),
                Arrays.deepHashCode(ffn),
                Arrays.hashCode(blocks));
    }

    @Override
    public String toString() {
        return "Importance[" + basis + ", hidden " + hidden.length + ", layers " + layers() + "]";
    }
}
