package dev.graft.growth.detect;

import java.util.Objects;

/**
 * The settings of a {@link DivergenceDetector}: NaN and infinities always diverge; a finite value
 * diverges when it exceeds {@code spikeFactor} times the smoothed value before it, once {@code
 * warmupPoints} values have been smoothed.
 *
 * <pre>{@code
 * // a loss 3x above its EMA(0.9), after 20 values; NaN/Inf at once
 * DivergenceRule rule = new DivergenceRule("loss", 3.0, Smoothing.ema(0.9), 20, 0);
 * DivergenceRule nanOnly = DivergenceRule.nonFiniteOnly("loss");
 * }</pre>
 *
 * <p>The spike test is for losses (positive, lower is better): it applies only while the smoothed
 * value is {@code > 0}.
 *
 * @param metric the metric watched; not blank
 * @param spikeFactor {@code k > 1}; {@code +Infinity} disables the spike test
 * @param smoothing how the reference value is smoothed
 * @param warmupPoints finite values smoothed before a spike can fire, {@code >= 1}; early losses
 *     fall fast and swing wide
 * @param cooldown evaluations (finite or not) after a firing that cannot fire, {@code >= 0}; with 0
 *     every NaN of a run of NaNs fires
 */
public record DivergenceRule(
        String metric, double spikeFactor, Smoothing smoothing, int warmupPoints, int cooldown)
        implements java.io.Serializable {

    /**
     * Validates every setting.
     *
     * @throws IllegalArgumentException naming the setting, the value found and the range allowed
     */
    public DivergenceRule {
        if (metric == null || metric.isBlank()) {
            throw new IllegalArgumentException(
                    "DivergenceRule metric must be a non-blank metric name, found "
                            + (metric == null ? "null" : "'" + metric + "'"));
        }
        Objects.requireNonNull(smoothing, "DivergenceRule smoothing must be set");
        if (!(spikeFactor > 1)) {
            throw new IllegalArgumentException(
                    "DivergenceRule spikeFactor must be > 1 (e.g. 3: a loss 3x its smoothed value),"
                            + " or Infinity to test NaN/Inf only, found "
                            + spikeFactor
                            + " for metric '"
                            + metric
                            + "'");
        }
        if (warmupPoints < 1 || cooldown < 0) {
            throw new IllegalArgumentException(
                    "DivergenceRule warmupPoints must be >= 1 and cooldown >= 0, found warmupPoints "
                            + warmupPoints
                            + " and cooldown "
                            + cooldown
                            + " for metric '"
                            + metric
                            + "'");
        }
    }

    /** NaN and infinities only, no spike test, no cooldown. */
    public static DivergenceRule nonFiniteOnly(String metric) {
        return new DivergenceRule(metric, Double.POSITIVE_INFINITY, Smoothing.none(), 1, 0);
    }
}
