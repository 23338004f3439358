package dev.graft.growth.detect;

import java.util.Objects;

/**
 * The settings of a {@link TrendDetector}: fit a least-squares line to the last {@code
 * windowPoints} smoothed values against their steps, project it {@code horizonSteps} ahead, and
 * call the evaluation bad when the projected relative improvement is below {@code threshold}.
 * Patience and cooldown count evaluations exactly as in {@link PlateauRule} (PyTorch).
 *
 * <pre>{@code
 * // "less than 1% better over the next 1000 steps, 5 evaluations in a row"
 * TrendRule rule = new TrendRule("loss", Mode.MIN, Smoothing.ema(0.9), 50, 1000, 0.01, 4, 0);
 * }</pre>
 *
 * @param metric the metric watched; not blank
 * @param mode whether lower ({@link Mode#MIN}) or higher is better
 * @param smoothing how values are smoothed before the fit
 * @param windowPoints how many smoothed values the line is fitted to, {@code >= 2}; no evaluation
 *     is bad before the window is full
 * @param horizonSteps how far ahead, in steps, the slope is projected, {@code >= 1}
 * @param threshold the relative improvement over the horizon below which an evaluation is bad;
 *     finite
 * @param patience bad evaluations tolerated; fires on the {@code (patience + 1)}-th in a row,
 *     {@code >= 0}
 * @param cooldown evaluations after a firing that cannot count as bad, {@code >= 0}
 */
public record TrendRule(
        String metric,
        Mode mode,
        Smoothing smoothing,
        int windowPoints,
        long horizonSteps,
        double threshold,
        int patience,
        int cooldown) {

    /**
     * Validates every setting.
     *
     * @throws IllegalArgumentException naming the setting, the value found and the range allowed
     */
    public TrendRule {
        if (metric == null || metric.isBlank()) {
            throw new IllegalArgumentException(
                    "TrendRule metric must be a non-blank metric name, found "
                            + (metric == null ? "null" : "'" + metric + "'"));
        }
        Objects.requireNonNull(mode, "TrendRule mode must be MIN or MAX, found null");
        Objects.requireNonNull(smoothing, "TrendRule smoothing must be set (Smoothing.none())");
        if (windowPoints < 2) {
            throw new IllegalArgumentException(
                    "TrendRule windowPoints must be >= 2 (a line needs two points), found "
                            + windowPoints
                            + " for metric '"
                            + metric
                            + "'");
        }
        if (horizonSteps < 1) {
            throw new IllegalArgumentException(
                    "TrendRule horizonSteps must be >= 1, found "
                            + horizonSteps
                            + " for metric '"
                            + metric
                            + "'");
        }
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException(
                    "TrendRule threshold must be finite (a relative improvement such as 0.01),"
                            + " found "
                            + threshold
                            + " for metric '"
                            + metric
                            + "'");
        }
        if (patience < 0 || cooldown < 0) {
            throw new IllegalArgumentException(
                    "TrendRule patience and cooldown must be >= 0, found patience "
                            + patience
                            + " and cooldown "
                            + cooldown
                            + " for metric '"
                            + metric
                            + "'");
        }
    }
}
