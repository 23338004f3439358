package dev.graft.growth.detect;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of one {@link SignalDetector#evaluate}: the state to keep, the smoothed value the
 * detector compared (for plots and logs), and the signal when it fired.
 *
 * @param state the state after the evaluation
 * @param smoothed the smoothed value after this evaluation (the raw value without smoothing); NaN
 *     when the value was not finite or nothing is smoothed yet
 * @param signal present when the detector fired
 * @param <S> the state type
 */
public record SignalEvaluation<S>(S state, double smoothed, Optional<Signal> signal) {

    /** Checks that nothing is null. */
    public SignalEvaluation {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(signal, "signal (use Optional.empty())");
    }

    /** Whether the detector fired. */
    public boolean fired() {
        return signal.isPresent();
    }
}
