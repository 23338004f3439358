package dev.graft.growth.detect;

/**
 * One logged value of one metric: the input of every detector when a curve is replayed.
 *
 * <pre>{@code
 * MetricPoint point = MetricPoint.of(100, 2.31);          // no wall time known
 * MetricPoint timed = new MetricPoint(100, 2.31, 1_700_000_000_000L);
 * }</pre>
 *
 * @param step the training step (the x axis every detector works on)
 * @param value the metric's value; NaN and infinities are data (divergence)
 * @param wallTimeMillis when it was logged, in milliseconds since the epoch, or {@link #NO_TIME}
 */
public record MetricPoint(long step, double value, long wallTimeMillis) {

    /** The wall time of a point whose log did not record one. */
    public static final long NO_TIME = Long.MIN_VALUE;

    /** A point without a wall time. */
    public static MetricPoint of(long step, double value) {
        return new MetricPoint(step, value, NO_TIME);
    }

    /** Whether {@link #wallTimeMillis()} is known. */
    public boolean hasWallTime() {
        return wallTimeMillis != NO_TIME;
    }
}
