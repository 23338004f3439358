package dev.graft.growth.ops;

import java.util.Arrays;
import java.util.Objects;

/**
 * Where each index of a grown tensor axis comes from: {@code origin[t]} is the source index that
 * target index {@code t} copies, or {@link #NEW} for an index with no source (LEMON's residue
 * channels, copy-and-pad's new rows).
 *
 * <p>Copies of one source index are numbered in order ({@link #copyIndex}); a fan-in split divides
 * a weight among them ({@link FanIn}).
 *
 * <pre>{@code
 * AxisMap.circular("hidden", 4, 10) // origins 0 1 2 3 0 1 2 3 0 1
 * AxisMap.tiled("hidden", 4, 10)    // origins 0 1 2 3 0 1 2 3 - -   (k = 2 copies, r = 2 new)
 * AxisMap.padded("ffn", 4, 6)       // origins 0 1 2 3 - -
 * }</pre>
 *
 * @param name the role of the axis, for plans ({@code hidden}, {@code heads}, {@code ffn}, …)
 * @param sourceSize the source axis length
 * @param origin the source index of each target index, or {@link #NEW}
 */
public record AxisMap(String name, int sourceSize, int[] origin) {

    /** Origin of a target index with no source index. */
    public static final int NEW = -1;

    public AxisMap {
        Objects.requireNonNull(name, "name");
        origin = origin.clone();
        for (int o : origin) {
            if (o < NEW || o >= sourceSize) {
                throw new IllegalArgumentException(
                        "axis " + name + ": origin " + o + " outside [0, " + sourceSize + ")");
            }
        }
    }

    /** The identity map of length {@code size}. */
    public static AxisMap identity(String name, int size) {
        int[] o = new int[size];
        for (int i = 0; i < size; i++) {
            o[i] = i;
        }
        return new AxisMap(name, size, o);
    }

    /** Target index {@code t} copies source index {@code t mod source}: every index is used. */
    public static AxisMap circular(String name, int source, int target) {
        int[] o = new int[target];
        for (int t = 0; t < target; t++) {
            o[t] = t % source;
        }
        return new AxisMap(name, source, o);
    }

    /**
     * {@code k = target / source} whole copies, then {@code target mod source} {@link #NEW} indices
     * (LEMON's residue of the residual stream).
     */
    public static AxisMap tiled(String name, int source, int target) {
        int whole = (target / source) * source;
        int[] o = new int[target];
        for (int t = 0; t < target; t++) {
            o[t] = t < whole ? t % source : NEW;
        }
        return new AxisMap(name, source, o);
    }

    /** The source indices in place, then {@link #NEW} ones (copy and pad). */
    public static AxisMap padded(String name, int source, int target) {
        int[] o = new int[target];
        for (int t = 0; t < target; t++) {
            o[t] = t < source ? t : NEW;
        }
        return new AxisMap(name, source, o);
    }

    /**
     * The source indices {@code kept}, in that order, and no others (a shrink: subcloning's
     * importance order, weight selection's evenly spaced indices). Each source index appears at
     * most once.
     *
     * <pre>{@code
     * AxisMap.select("hidden", 6, new int[] {4, 0, 2}) // origins 4 0 2: 6→3 (3 kept)
     * }</pre>
     *
     * @throws IllegalArgumentException for an index outside the source or chosen twice
     */
    public static AxisMap select(String name, int source, int[] kept) {
        boolean[] seen = new boolean[source];
        for (int k : kept) {
            if (k < 0 || k >= source) {
                throw new IllegalArgumentException(
                        "axis " + name + ": kept index " + k + " outside [0, " + source + ")");
            }
            if (seen[k]) {
                throw new IllegalArgumentException("axis " + name + ": index " + k + " kept twice");
            }
            seen[k] = true;
        }
        return new AxisMap(name, source, kept);
    }

    /**
     * {@code target} evenly spaced source indices, as weight selection (arXiv 2311.18823, {@code
     * uniform_element_selection}) picks them: {@code i·(source/target)} when {@code target} divides
     * {@code source}, else {@code round(linspace(0, source−1, target))} (numpy's
     * round-half-to-even).
     *
     * <pre>{@code
     * AxisMap.evenlySpaced("hidden", 8, 4) // origins 0 2 4 6
     * AxisMap.evenlySpaced("ffn", 10, 4)   // origins 0 3 6 9
     * }</pre>
     */
    public static AxisMap evenlySpaced(String name, int source, int target) {
        if (target <= 0 || target > source) {
            throw new IllegalArgumentException(
                    "axis " + name + ": cannot select " + target + " of " + source + " indices");
        }
        int[] o = new int[target];
        if (source % target == 0) {
            int step = source / target;
            for (int i = 0; i < target; i++) {
                o[i] = i * step;
            }
        } else {
            // numpy's linspace: i · step with step = (n − 1)/(s − 1), the last one exactly n − 1.
            double step = target == 1 ? 0 : (double) (source - 1) / (target - 1);
            for (int i = 0; i < target; i++) {
                o[i] = i == target - 1 && target > 1 ? source - 1 : (int) Math.rint(i * step);
            }
        }
        return select(name, source, o);
    }

    /**
     * A map over heads expanded to their {@code headDim} channels: channel {@code h·headDim + i}
     * copies channel {@code heads.origin(h)·headDim + i}.
     */
    public static AxisMap perHead(String name, AxisMap heads, int headDim) {
        int[] o = new int[heads.size() * headDim];
        for (int h = 0; h < heads.size(); h++) {
            int src = heads.origin[h];
            for (int i = 0; i < headDim; i++) {
                o[h * headDim + i] = src == NEW ? NEW : src * headDim + i;
            }
        }
        return new AxisMap(name, heads.sourceSize * headDim, o);
    }

    /**
     * Blocks laid side by side (GPT-2's fused {@code c_attn} output {@code [Q | K | V]}): each
     * block is mapped on its own, never as one tiled whole.
     */
    public static AxisMap concat(String name, AxisMap... blocks) {
        int source = 0;
        int target = 0;
        for (AxisMap b : blocks) {
            source += b.sourceSize;
            target += b.size();
        }
        int[] o = new int[target];
        int s = 0;
        int t = 0;
        for (AxisMap b : blocks) {
            for (int i = 0; i < b.size(); i++) {
                o[t + i] = b.origin[i] == NEW ? NEW : s + b.origin[i];
            }
            s += b.sourceSize;
            t += b.size();
        }
        return new AxisMap(name, source, o);
    }

    /** Target length. */
    public int size() {
        return origin.length;
    }

    @Override
    public int[] origin() {
        return origin.clone();
    }

    /** Source index of target index {@code t}, or {@link #NEW}. */
    public int origin(int t) {
        return origin[t];
    }

    /** Whether every target index copies the source index at the same position. */
    public boolean isIdentity() {
        if (origin.length != sourceSize) {
            return false;
        }
        for (int i = 0; i < origin.length; i++) {
            if (origin[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** How many target indices copy each source index. */
    public int[] copyCounts() {
        int[] c = new int[sourceSize];
        for (int o : origin) {
            if (o != NEW) {
                c[o]++;
            }
        }
        return c;
    }

    /** For each target index, which copy of its source index it is (0, 1, …), or -1 if new. */
    public int[] copyIndices() {
        int[] seen = new int[sourceSize];
        int[] k = new int[origin.length];
        for (int t = 0; t < origin.length; t++) {
            k[t] = origin[t] == NEW ? -1 : seen[origin[t]]++;
        }
        return k;
    }

    /** Number of {@link #NEW} indices. */
    public int newCount() {
        int n = 0;
        for (int o : origin) {
            if (o == NEW) {
                n++;
            }
        }
        return n;
    }

    /** Whether every target index copies a different source index and some are left out. */
    public boolean isSelection() {
        if (origin.length >= sourceSize || newCount() > 0) {
            return false;
        }
        for (int c : copyCounts()) {
            if (c > 1) {
                return false;
            }
        }
        return true;
    }

    /** {@code hidden 16→40 (2 copies + 8 new)}, {@code hidden 16→8 (8 kept)} and the like. */
    public String describe() {
        if (isIdentity()) {
            return name + " " + sourceSize;
        }
        if (isSelection() || origin.length == sourceSize && newCount() == 0 && maxCopies() == 1) {
            return name
                    + " "
                    + sourceSize
                    + "→"
                    + size()
                    + " ("
                    + size()
                    + " kept"
                    + keptList()
                    + ")";
        }
        int[] counts = copyCounts();
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int c : counts) {
            min = Math.min(min, c);
            max = Math.max(max, c);
        }
        String copies =
                min == max ? min + (min == 1 ? " copy" : " copies") : min + "–" + max + " copies";
        int fresh = newCount();
        return name
                + " "
                + sourceSize
                + "→"
                + size()
                + " ("
                + copies
                + (fresh > 0 ? " + " + fresh + " new" : "")
                + ")";
    }

    private int maxCopies() {
        int max = 0;
        for (int c : copyCounts()) {
            max = Math.max(max, c);
        }
        return max;
    }

    /** The kept indices when there are few enough to print, else nothing. */
    private String keptList() {
        if (origin.length > 12) {
            return "";
        }
        return ": " + Arrays.toString(origin).replace(" ", "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AxisMap a
                && name.equals(a.name)
                && sourceSize == a.sourceSize
                && Arrays.equals(origin, a.origin);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, sourceSize, Arrays.hashCode(origin));
    }

    @Override
    public String toString() {
        return describe();
    }
}
