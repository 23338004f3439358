package dev.graft.growth.detect;

import java.util.Arrays;

/**
 * What a {@link Smoothing} remembers between values. Immutable (the array is copied in and out); a
 * record of primitives and one {@code double[]}, so a stream processor can keep it as keyed state.
 *
 * @param count finite values smoothed so far
 * @param emaBiased the EMA before debiasing (EMA only; 0 otherwise)
 * @param emaWeightPower {@code emaWeight^count}, kept as a running product (EMA only; 1 otherwise)
 * @param recent the median window as a ring buffer (MEDIAN only; empty otherwise)
 * @param recentSize how many slots of {@code recent} hold values
 * @param recentNext the slot the next value goes to
 * @param smoothed the smoothed value after the latest value; NaN before the first
 */
public record SmoothingState(
        long count,
        double emaBiased,
        double emaWeightPower,
        double[] recent,
        int recentSize,
        int recentNext,
        double smoothed) {

    /**
     * Copies {@code recent} and checks the counters.
     *
     * @throws IllegalArgumentException naming the field and the value found
     */
    public SmoothingState {
        recent = recent.length == 0 ? NO_WINDOW : recent.clone();
        if (count < 0 || recentSize < 0 || recentSize > recent.length) {
            throw new IllegalArgumentException(
                    "SmoothingState count must be >= 0 and recentSize in [0, "
                            + recent.length
                            + "], found count "
                            + count
                            + " and recentSize "
                            + recentSize);
        }
        if (recentNext < 0 || (recent.length > 0 && recentNext >= recent.length)) {
            throw new IllegalArgumentException(
                    "SmoothingState recentNext must be a slot of the window of "
                            + recent.length
                            + ", found "
                            + recentNext);
        }
    }

    /** The window of EMA and unsmoothed states: empty, shared (an empty array cannot change). */
    static final double[] NO_WINDOW = new double[0];

    /** A copy of the ring buffer. */
    @Override
    public double[] recent() {
        return recent.length == 0 ? NO_WINDOW : recent.clone();
    }

    /** Whether any value has been smoothed. */
    public boolean hasValues() {
        return count > 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SmoothingState s
                && count == s.count
                && Double.compare(emaBiased, s.emaBiased) == 0
                && Double.compare(emaWeightPower, s.emaWeightPower) == 0
                && Arrays.equals(recent, s.recent)
                && recentSize == s.recentSize
                && recentNext == s.recentNext
                && Double.compare(smoothed, s.smoothed) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(recent) * 31
                + Long.hashCode(count) * 17
                + Double.hashCode(smoothed)
                + recentNext;
    }

    @Override
    public String toString() {
        return "SmoothingState[count="
                + count
                + ", smoothed="
                + smoothed
                + ", emaBiased="
                + emaBiased
                + ", emaWeightPower="
                + emaWeightPower
                + ", recent="
                + Arrays.toString(recent)
                + ", recentSize="
                + recentSize
                + ", recentNext="
                + recentNext
                + "]";
    }
}
