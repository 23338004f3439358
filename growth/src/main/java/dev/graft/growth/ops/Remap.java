package dev.graft.growth.ops;

import java.util.Objects;

/**
 * A vector or matrix whose axes are remapped: the general rule behind width growth. Each axis has
 * an {@link AxisMap} and a role.
 *
 * <ul>
 *   <li>An {@link Role#OUT} axis indexes what the tensor produces (rows of an {@code nn.Linear},
 *       columns of a GPT-2 {@code Conv1D}, hidden columns of an embedding, a bias or a norm gain):
 *       each target index copies its source index; a {@link AxisMap#NEW} index takes the axis'
 *       {@link Fill}.
 *   <li>An {@link Role#IN} axis indexes what the tensor reads (the fan-in): a source weight is
 *       shared among the copies of its input channel as the {@link FanIn} says; a new input channel
 *       takes the axis' fill (it reads a channel that is zero, so the value is free).
 * </ul>
 *
 * <p>Values copied from the source (and {@link Fill#mean()} values) are multiplied by {@code scale}
 * (LEMON's norm rescale √(kd/D), the ÷k of a final norm before a tied head).
 *
 * <p>{@code Remap.linear(heads, Fill.zero(), hidden, Fill.zero(), FanIn.equal())} tiles a query
 * projection the HyperCloning way: rows copied head-block-wise, input columns divided by their copy
 * count.
 *
 * @param cols the column axis; null for a vector
 */
public record Remap(
        AxisMap rows,
        Role rowRole,
        Fill rowFill,
        AxisMap cols,
        Role colRole,
        Fill colFill,
        FanIn fanIn,
        double scale)
        implements TensorRule {

    /** What an axis indexes. */
    public enum Role {
        /** Outputs: copied, new indices filled. */
        OUT,
        /** Inputs: shared among copies by a {@link FanIn}. */
        IN
    }

    public Remap {
        Objects.requireNonNull(rows, "rows");
        Objects.requireNonNull(rowRole, "rowRole");
        Objects.requireNonNull(rowFill, "rowFill");
        Objects.requireNonNull(fanIn, "fanIn");
        if (cols != null) {
            Objects.requireNonNull(colRole, "colRole");
            Objects.requireNonNull(colFill, "colFill");
            if (rowRole == Role.IN && colRole == Role.IN) {
                throw new IllegalArgumentException("a matrix has at most one input axis");
            }
        } else if (rowRole == Role.IN) {
            throw new IllegalArgumentException("a vector's axis is an output axis");
        }
        if (rowRole == Role.IN && rowFill instanceof Fill.Mean
                || colRole == Role.IN && colFill instanceof Fill.Mean) {
            throw new IllegalArgumentException("an input axis cannot be filled with the mean");
        }
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("scale is " + scale);
        }
    }

    /** A bias or norm vector along {@code axis}. */
    public static Remap vector(AxisMap axis, Fill fill, double scale) {
        return new Remap(axis, Role.OUT, fill, null, null, null, FanIn.equal(), scale);
    }

    /** An {@code nn.Linear} weight {@code (out, in)}. */
    public static Remap linear(AxisMap out, Fill outFill, AxisMap in, Fill inFill, FanIn fanIn) {
        return new Remap(out, Role.OUT, outFill, in, Role.IN, inFill, fanIn, 1);
    }

    /** A GPT-2 {@code Conv1D} weight {@code (in, out)}. */
    public static Remap conv1d(AxisMap in, Fill inFill, AxisMap out, Fill outFill, FanIn fanIn) {
        return new Remap(in, Role.IN, inFill, out, Role.OUT, outFill, fanIn, 1);
    }

    /** An embedding table {@code (rows, hidden)}: both axes are outputs. */
    public static Remap embedding(AxisMap rows, AxisMap hidden, Fill hiddenFill) {
        return new Remap(
                rows, Role.OUT, Fill.zero(), hidden, Role.OUT, hiddenFill, FanIn.equal(), 1);
    }

    /** The same rule with its copied values multiplied by {@code factor} as well. */
    public Remap withScale(double factor) {
        return new Remap(rows, rowRole, rowFill, cols, colRole, colFill, fanIn, scale * factor);
    }

    /** The input axis ({@link Role#IN}), or null for vectors and embeddings. */
    public AxisMap inputAxis() {
        if (rowRole == Role.IN) {
            return rows;
        }
        return cols != null && colRole == Role.IN ? cols : null;
    }

    /** The same rule with another fan-in. */
    public Remap withFanIn(FanIn other) {
        return new Remap(rows, rowRole, rowFill, cols, colRole, colFill, other, scale);
    }

    /** Number of target elements. */
    public long targetElements() {
        return (long) rows.size() * (cols == null ? 1 : cols.size());
    }

    /** Number of source elements. */
    public long sourceElements() {
        return (long) rows.sourceSize() * (cols == null ? 1 : cols.sourceSize());
    }

    @Override
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(axis(rows, rowRole, rowFill));
        if (cols != null) {
            b.append(" × ").append(axis(cols, colRole, colFill));
        }
        boolean hasIn = rowRole == Role.IN || cols != null && colRole == Role.IN;
        if (hasIn) {
            b.append("; fan-in ").append(fanIn.describe());
        }
        if (scale != 1) {
            b.append("; ×").append(String.format(java.util.Locale.ROOT, "%.6g", scale));
        }
        return b.toString();
    }

    private static String axis(AxisMap a, Role role, Fill fill) {
        String s = a.describe() + (role == Role.IN ? " in" : "");
        return a.newCount() > 0 ? s + ", new=" + fill.describe() : s;
    }

    @Override
    public float[] apply(float[] source, int targetElements, long seed, boolean moments) {
        if (source.length != sourceElements()) {
            throw new IllegalArgumentException(
                    "rule "
                            + describe()
                            + " expects "
                            + sourceElements()
                            + " source values; got "
                            + source.length);
        }
        if (targetElements != targetElements()) {
            throw new IllegalArgumentException(
                    "rule "
                            + describe()
                            + " makes "
                            + targetElements()
                            + " values, not "
                            + targetElements);
        }
        FanIn f = fanIn;
        Fill rf = rowFill;
        Fill cf = colFill;
        double sc = scale;
        if (moments) {
            // Optimizer moments are copied where weights are copied or split; nothing is invented.
            f =
                    fanIn instanceof FanIn.Zero || fanIn instanceof FanIn.Cancel
                            ? FanIn.zero()
                            : FanIn.copy();
            rf = Fill.zero();
            cf = cols == null ? null : Fill.zero();
            sc = 1;
        }
        boolean rowOut = rowRole == Role.OUT;
        boolean colOut = cols == null || colRole == Role.OUT;
        int rs = rows.sourceSize();
        int cs = cols == null ? 1 : cols.sourceSize();
        int r1 = rowOut ? rows.size() : rs;
        int c1 = cols == null ? 1 : colOut ? cols.size() : cs;
        float[] g = expandOutputs(source, rs, cs, r1, c1, rowOut, colOut, rf, cf, sc, seed);
        if (rowOut && colOut) {
            return g;
        }
        double rms = f instanceof FanIn.PairedNoise ? rms(source) : 0;
        return rowOut
                ? expandColumnInputs(g, r1, cs, cf, f, seed, rms)
                : expandRowInputs(g, rs, c1, rf, f, seed, rms);
    }

    /** Phase 1: output axes to their target size; input axes stay at source size. */
    private float[] expandOutputs(
            float[] src,
            int rs,
            int cs,
            int r1,
            int c1,
            boolean rowOut,
            boolean colOut,
            Fill rf,
            Fill cf,
            double sc,
            long seed) {
        int[] ro = rows.origin();
        int[] co = cols == null ? new int[] {0} : cols.origin();
        float[] colMeans = null;
        float[] rowMeans = null;
        // Means are needed only where an axis has new indices (LEMON's residue channels).
        if (rowOut && rf instanceof Fill.Mean && rows.newCount() > 0) {
            colMeans = new float[cs];
            double[] acc = new double[cs];
            for (int r = 0; r < rs; r++) {
                for (int c = 0; c < cs; c++) {
                    acc[c] += src[r * cs + c];
                }
            }
            for (int c = 0; c < cs; c++) {
                colMeans[c] = (float) (acc[c] / rs * sc);
            }
        }
        if (colOut && cols != null && cf instanceof Fill.Mean && cols.newCount() > 0) {
            rowMeans = new float[rs];
            for (int r = 0; r < rs; r++) {
                double acc = 0;
                for (int c = 0; c < cs; c++) {
                    acc += src[r * cs + c];
                }
                rowMeans[r] = (float) (acc / cs * sc);
            }
        }
        float fsc = (float) sc;
        long fillSeed = Hashing.key(seed, -7);
        float[] g = new float[Math.multiplyExact(r1, c1)];
        for (int i = 0; i < r1; i++) {
            int r = rowOut ? ro[i] : i;
            int base = i * c1;
            if (r == AxisMap.NEW && !(rf instanceof Fill.Mean)) {
                for (int j = 0; j < c1; j++) {
                    g[base + j] = fill(rf, fillSeed, i, j);
                }
                continue;
            }
            for (int j = 0; j < c1; j++) {
                int c = colOut && cols != null ? co[j] : j;
                float v;
                if (c == AxisMap.NEW) {
                    if (!(cf instanceof Fill.Mean)) {
                        v = fill(cf, fillSeed, i, j);
                    } else if (r == AxisMap.NEW) {
                        v = mean(colMeans);
                    } else {
                        v = rowMeans[r];
                    }
                } else if (r == AxisMap.NEW) {
                    v = colMeans[c];
                } else {
                    v = src[r * cs + c] * fsc;
                }
                g[base + j] = v;
            }
        }
        return g;
    }

    /** Phase 2 for {@code (out, in)} matrices: the columns are inputs. */
    private float[] expandColumnInputs(
            float[] g, int r, int cs, Fill cf, FanIn f, long seed, double rms) {
        int c = cols.size();
        int[] co = cols.origin();
        int[] m = cols.copyCounts();
        long fillSeed = Hashing.key(seed, -11);
        float[] out = new float[Math.multiplyExact(r, c)];
        if (f instanceof FanIn.Equal || f instanceof FanIn.Copy) {
            float[] div = new float[cs];
            for (int s = 0; s < cs; s++) {
                div[s] = f instanceof FanIn.Copy ? 1 : m[s];
            }
            for (int i = 0; i < r; i++) {
                int gb = i * cs;
                int ob = i * c;
                for (int j = 0; j < c; j++) {
                    int s = co[j];
                    out[ob + j] = s == AxisMap.NEW ? fill(cf, fillSeed, i, j) : g[gb + s] / div[s];
                }
            }
            return out;
        }
        int[][] copies = copiesOf(co, cs);
        FanIn fan = f;
        rows(r, (long) r * c)
                .forEach(
                        i -> {
                            int gb = i * cs;
                            int ob = i * c;
                            for (int j = 0; j < c; j++) {
                                if (co[j] == AxisMap.NEW) {
                                    out[ob + j] = fill(cf, fillSeed, i, j);
                                }
                            }
                            // The pair key of (row i, input s) is key(seed, i, s); the row's part
                            // is hashed once, and each weight's draws once for all its copies.
                            long rowKey = Hashing.key(seed, i);
                            for (int s = 0; s < cs; s++) {
                                shareInto(
                                        fan,
                                        g[gb + s],
                                        Hashing.key(rowKey, s),
                                        copies[s],
                                        out,
                                        ob,
                                        1,
                                        rms);
                            }
                        });
        return out;
    }

    /** Phase 2 for {@code (in, out)} matrices (GPT-2 Conv1D): the rows are inputs. */
    private float[] expandRowInputs(
            float[] g, int rs, int c, Fill rf, FanIn f, long seed, double rms) {
        int r = rows.size();
        int[] ro = rows.origin();
        int[] m = rows.copyCounts();
        long fillSeed = Hashing.key(seed, -11);
        float[] out = new float[Math.multiplyExact(r, c)];
        for (int i = 0; i < r; i++) {
            if (ro[i] == AxisMap.NEW) {
                int ob = i * c;
                for (int j = 0; j < c; j++) {
                    out[ob + j] = fill(rf, fillSeed, i, j);
                }
            }
        }
        if (f instanceof FanIn.Equal || f instanceof FanIn.Copy) {
            rows(r, (long) r * c)
                    .forEach(
                            i -> {
                                int s = ro[i];
                                if (s == AxisMap.NEW) {
                                    return;
                                }
                                int gb = s * c;
                                int ob = i * c;
                                float div = f instanceof FanIn.Copy ? 1 : m[s];
                                for (int j = 0; j < c; j++) {
                                    out[ob + j] = g[gb + j] / div;
                                }
                            });
            return out;
        }
        // One pass per source input row writes all its copies: each weight's draws are made once.
        // The pair key of (output j, input s) is key(seed, j, s); the column parts are hashed once.
        int[][] copies = copiesOf(ro, rs);
        long[] colKeys = new long[c];
        for (int j = 0; j < c; j++) {
            colKeys[j] = Hashing.key(seed, j);
        }
        rows(rs, (long) r * c)
                .forEach(
                        s -> {
                            int gb = s * c;
                            int[] targets = copies[s];
                            for (int j = 0; j < c; j++) {
                                shareInto(
                                        f,
                                        g[gb + j],
                                        Hashing.key(colKeys[j], s),
                                        targets,
                                        out,
                                        j,
                                        c,
                                        rms);
                            }
                        });
        return out;
    }

    /** For each source index, the target indices that copy it, in copy order (0, 1, …). */
    static int[][] copiesOf(int[] origin, int sourceSize) {
        int[] count = new int[sourceSize];
        for (int o : origin) {
            if (o != AxisMap.NEW) {
                count[o]++;
            }
        }
        int[][] copies = new int[sourceSize][];
        for (int s = 0; s < sourceSize; s++) {
            copies[s] = new int[count[s]];
            count[s] = 0;
        }
        for (int t = 0; t < origin.length; t++) {
            int o = origin[t];
            if (o != AxisMap.NEW) {
                copies[o][count[o]++] = t;
            }
        }
        return copies;
    }

    /**
     * Writes every copy's share of weight {@code w}: copy {@code k} goes to {@code out[base +
     * targets[k]·stride]}. The same values as {@link #share} for each {@code k}, with the random
     * draws made once per weight instead of once per copy.
     */
    static void shareInto(
            FanIn f,
            float w,
            long pairKey,
            int[] targets,
            float[] out,
            int base,
            int stride,
            double rms) {
        int m = targets.length;
        boolean split = f instanceof FanIn.RandomSplit;
        if (m < 2 || !(split || f instanceof FanIn.Cancel)) {
            for (int k = 0; k < m; k++) {
                out[base + targets[k] * stride] = share(f, w, pairKey, k, m, rms);
            }
            return;
        }
        if (m == 2) {
            double centred = Hashing.uniform(pairKey) * 0.5;
            if (split) {
                double spread = ((FanIn.RandomSplit) f).spread();
                out[base + targets[0] * stride] = (float) (w * (1 + spread * centred) / 2);
                out[base + targets[1] * stride] = (float) (w * (1 + spread * -centred) / 2);
            } else {
                double a = ((FanIn.Cancel) f).std() * Math.sqrt(3);
                out[base + targets[0] * stride] = (float) (a * centred);
                out[base + targets[1] * stride] = (float) (a * -centred);
            }
            return;
        }
        double[] u = new double[m];
        double sum = 0;
        for (int q = 0; q < m; q++) {
            u[q] = Hashing.uniform(Hashing.key(pairKey, q));
            sum += u[q];
        }
        double mean = sum / m;
        for (int k = 0; k < m; k++) {
            double centred = u[k] - mean;
            out[base + targets[k] * stride] =
                    split
                            ? (float) (w * (1 + ((FanIn.RandomSplit) f).spread() * centred) / m)
                            : (float) (((FanIn.Cancel) f).std() * Math.sqrt(3) * centred);
        }
    }

    /**
     * Row indices, in parallel for tensors over a million elements: every value is a pure function
     * of its indices (counter-based randomness), so the result does not depend on the order.
     */
    private static java.util.stream.IntStream rows(int count, long elements) {
        java.util.stream.IntStream s = java.util.stream.IntStream.range(0, count);
        return elements > (1 << 20) ? s.parallel() : s;
    }

    /** Copy {@code k} of {@code m}'s share of weight {@code w}. */
    static float share(FanIn f, float w, long pairKey, int k, int m, double rms) {
        if (f instanceof FanIn.Equal) {
            return w / m;
        }
        if (f instanceof FanIn.Copy) {
            return w;
        }
        if (f instanceof FanIn.Zero) {
            return 0;
        }
        if (f instanceof FanIn.PairedNoise p) {
            if (m % 2 == 1 && k == m - 1) {
                return w / m;
            }
            double n = p.relativeStd() * rms * Hashing.gaussian(Hashing.key(pairKey, k / 2));
            return (float) (w / (double) m + (k % 2 == 0 ? n : -n));
        }
        if (m == 1) {
            return f instanceof FanIn.Cancel ? 0 : w;
        }
        if (m == 2) {
            // Two copies: one draw u ~ U(−1, 1) gives the centred values ±u/2 (the hot case).
            double centred = Hashing.uniform(pairKey) * (k == 0 ? 0.5 : -0.5);
            if (f instanceof FanIn.RandomSplit s) {
                return (float) (w * (1 + s.spread() * centred) / 2);
            }
            return (float) (((FanIn.Cancel) f).std() * Math.sqrt(3) * centred);
        }
        double sum = 0;
        double mine = 0;
        for (int q = 0; q < m; q++) {
            double u = Hashing.uniform(Hashing.key(pairKey, q));
            sum += u;
            if (q == k) {
                mine = u;
            }
        }
        double centred = mine - sum / m;
        if (f instanceof FanIn.RandomSplit s) {
            return (float) (w * (1 + s.spread() * centred) / m);
        }
        return (float) (((FanIn.Cancel) f).std() * Math.sqrt(3) * centred);
    }

    private static float fill(Fill fill, long seed, int i, int j) {
        if (fill instanceof Fill.Constant c) {
            return (float) c.value();
        }
        if (fill instanceof Fill.Noise n) {
            return (float) (n.std() * Hashing.gaussian(Hashing.key(seed, i, j)));
        }
        throw new IllegalStateException("mean fill handled by the caller");
    }

    private static float mean(float[] values) {
        double acc = 0;
        for (float v : values) {
            acc += v;
        }
        return (float) (acc / values.length);
    }

    private static double rms(float[] values) {
        double acc = 0;
        for (float v : values) {
            acc += (double) v * v;
        }
        return values.length == 0 ? 0 : Math.sqrt(acc / values.length);
    }
}
