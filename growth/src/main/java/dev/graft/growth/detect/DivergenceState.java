package dev.graft.growth.detect;

import java.util.Objects;

/**
 * What a {@link DivergenceDetector} remembers.
 *
 * @param smoothing the smoother's state over the finite values
 * @param cooldownRemaining evaluations left in which nothing can fire
 * @param evaluations values evaluated, finite or not
 * @param firstStep the first step evaluated, {@link Evidence#NO_STEP} before it
 * @param firings how many times it fired
 */
public record DivergenceState(
        SmoothingState smoothing,
        int cooldownRemaining,
        long evaluations,
        long firstStep,
        long firings) {

    /**
     * Checks the counters.
     *
     * @throws IllegalArgumentException naming the field and the value found
     */
    public DivergenceState {
        Objects.requireNonNull(smoothing, "smoothing");
        if (cooldownRemaining < 0 || evaluations < 0 || firings < 0) {
            throw new IllegalArgumentException(
                    "DivergenceState counters must be >= 0, found cooldownRemaining "
                            + cooldownRemaining
                            + ", evaluations "
                            + evaluations
                            + ", firings "
                            + firings);
        }
    }
}
