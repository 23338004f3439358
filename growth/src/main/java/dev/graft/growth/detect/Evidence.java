package dev.graft.growth.detect;

/**
 * The statistics behind a {@link Signal}, so a person (or a decision record) can see why it fired.
 * A field that does not apply to the detector that fired is NaN (doubles) or {@link #NO_STEP}
 * (steps).
 *
 * @param count the values the detector evaluated so far, this one included
 * @param firstStep the step of the first value evaluated
 * @param lastStep the step of the value that fired (the signal's step)
 * @param last the raw value logged at {@code lastStep} (may be NaN or infinite for divergence)
 * @param best the best value compared so far (smoothed where the detector smooths)
 * @param bestStep the step of {@code best}
 * @param mean the mean of the values the detector compared: all of them for a plateau, the window
 *     for a trend
 * @param smoothed the smoothed value the detector compared ({@code last} without smoothing); for a
 *     spike, the smoothed value before {@code last}
 * @param slope the least-squares slope of the smoothed values over the window, per step (trend
 *     only)
 * @param projectedImprovement the relative improvement the slope projects over the horizon (trend
 *     only): {@code -slope * horizonSteps / |smoothed|} for MIN, {@code +slope * ...} for MAX
 * @param threshold the threshold the evidence was compared with: the plateau/trend threshold, or
 *     the spike factor
 * @param badEvaluations consecutive bad evaluations that fired the rule ({@code patience + 1}); 1
 *     for divergence
 */
public record Evidence(
        long count,
        long firstStep,
        long lastStep,
        double last,
        double best,
        long bestStep,
        double mean,
        double smoothed,
        double slope,
        double projectedImprovement,
        double threshold,
        int badEvaluations) {

    /** A step that does not apply. */
    public static final long NO_STEP = Long.MIN_VALUE;
}
