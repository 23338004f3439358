package dev.graft.growth.detect;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a {@link TrendDetector} remembers: the smoother's state, the window of smoothed values and
 * their steps (ring buffers, copied in and out), and PyTorch-style counters.
 *
 * @param smoothing the smoother's state
 * @param windowValues smoothed values, a ring of {@code windowPoints} slots
 * @param windowSteps their steps, same slots
 * @param windowSize slots in use
 * @param windowNext the slot the next value goes to
 * @param badEvaluations consecutive bad evaluations
 * @param cooldownRemaining evaluations left in the cooldown
 * @param evaluations finite values evaluated
 * @param firstStep the first step evaluated, {@link Evidence#NO_STEP} before it
 * @param best the best smoothed value so far ({@link Mode#worst()} before the first)
 * @param bestStep its step
 * @param firings how many times the rule fired
 */
public record TrendState(
        SmoothingState smoothing,
        double[] windowValues,
        long[] windowSteps,
        int windowSize,
        int windowNext,
        int badEvaluations,
        int cooldownRemaining,
        long evaluations,
        long firstStep,
        double best,
        long bestStep,
        long firings) {

    /**
     * Copies the arrays and checks their shapes.
     *
     * @throws IllegalArgumentException naming the field and the value found
     */
    public TrendState {
        Objects.requireNonNull(smoothing, "smoothing");
        windowValues = windowValues.clone();
        windowSteps = windowSteps.clone();
        if (windowValues.length != windowSteps.length
                || windowSize < 0
                || windowSize > windowValues.length
                || windowNext < 0
                || windowNext >= Math.max(1, windowValues.length)) {
            throw new IllegalArgumentException(
                    "TrendState window must have equal value and step slots with size and next"
                            + " inside them, found "
                            + windowValues.length
                            + " value slots, "
                            + windowSteps.length
                            + " step slots, size "
                            + windowSize
                            + ", next "
                            + windowNext);
        }
        if (badEvaluations < 0 || cooldownRemaining < 0 || evaluations < 0 || firings < 0) {
            throw new IllegalArgumentException(
                    "TrendState counters must be >= 0, found badEvaluations "
                            + badEvaluations
                            + ", cooldownRemaining "
                            + cooldownRemaining
                            + ", evaluations "
                            + evaluations
                            + ", firings "
                            + firings);
        }
    }

    /** A copy of the smoothed-value ring. */
    @Override
    public double[] windowValues() {
        return windowValues.clone();
    }

    /** A copy of the step ring. */
    @Override
    public long[] windowSteps() {
        return windowSteps.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrendState s
                && smoothing.equals(s.smoothing)
                && Arrays.equals(windowValues, s.windowValues)
                && Arrays.equals(windowSteps, s.windowSteps)
                && windowSize == s.windowSize
                && windowNext == s.windowNext
                && badEvaluations == s.badEvaluations
                && cooldownRemaining == s.cooldownRemaining
                && evaluations == s.evaluations
                && firstStep == s.firstStep
                && Double.compare(best, s.best) == 0
                && bestStep == s.bestStep
                && firings == s.firings;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                smoothing,
                Arrays.hashCode(windowValues),
                Arrays.hashCode(windowSteps),
                windowSize,
                windowNext,
                badEvaluations,
                cooldownRemaining,
                evaluations,
                firstStep,
                best,
                bestStep,
                firings);
    }

    @Override
    public String toString() {
        return "TrendState[evaluations="
                + evaluations
                + ", windowSize="
                + windowSize
                + ", badEvaluations="
                + badEvaluations
                + ", cooldownRemaining="
                + cooldownRemaining
                + ", best="
                + best
                + ", firings="
                + firings
                + "]";
    }
}
