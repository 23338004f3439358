package dev.graft.growth.detect;

/**
 * What a {@link Signal} says about a run.
 *
 * <p>{@link #PLATEAU} and {@link #TREND} are reasons to consider growing; {@link #DIVERGENCE} never
 * is: a policy must treat it as trouble (stop, roll back, alert), not as a plateau.
 */
public enum SignalKind {
    /** The (smoothed) metric has not beaten its best for more than {@code patience} evaluations. */
    PLATEAU,
    /**
     * The least-squares slope of the smoothed metric over a window projects less relative
     * improvement over the horizon than the threshold.
     */
    TREND,
    /** A NaN or infinite value, or a spike far above the smoothed value. Never a growth. */
    DIVERGENCE
}
