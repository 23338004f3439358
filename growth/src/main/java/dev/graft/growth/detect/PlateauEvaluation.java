package dev.graft.growth.detect;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of one {@link PlateauDetector#evaluate}: the state to keep, what happened, and the
 * firing's evidence when it fired.
 *
 * @param state the state after the evaluation; pass it to the next one
 * @param outcome what the evaluation did
 * @param firing present exactly when {@code outcome} is {@link Outcome#FIRED}
 */
public record PlateauEvaluation(
        PlateauState state, Outcome outcome, Optional<PlateauFiring> firing) {

    /** What one evaluation did, in PyTorch's terms. */
    public enum Outcome {
        /**
         * The value beat the best so far by the threshold: {@code best} and {@code bestStep} moved,
         * the bad count went back to 0. Also reported during a cooldown (which still counts down).
         */
        IMPROVED,
        /** The value did not improve: the bad count grew but is still {@code <= patience}. */
        NOT_IMPROVED,
        /**
         * The value did not improve, but it came within the cooldown after a firing, so it was not
         * counted (PyTorch: "ignore any bad epochs in cooldown").
         */
        IN_COOLDOWN,
        /**
         * The value did not improve and was the {@code (patience + 1)}-th such evaluation in a row:
         * the rule fired, the bad count went back to 0 and the cooldown started.
         */
        FIRED,
        /**
         * The value was NaN or infinite and was not evaluated; the state is returned unchanged.
         * Divergence is a separate signal in Graft, never a plateau. (PyTorch would count NaN as a
         * bad epoch and take {@code -inf} as a new best in min mode.)
         */
        SKIPPED_NON_FINITE
    }

    /**
     * Checks that a firing is present exactly when the outcome is {@link Outcome#FIRED}.
     *
     * @throws IllegalArgumentException when they disagree
     */
    public PlateauEvaluation {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(firing, "firing (use Optional.empty())");
        if (firing.isPresent() != (outcome == Outcome.FIRED)) {
            throw new IllegalArgumentException(
                    "PlateauEvaluation firing must be present exactly when outcome is FIRED, found"
                            + " outcome "
                            + outcome
                            + " with firing "
                            + firing);
        }
    }

    /** Whether the rule fired on this evaluation. */
    public boolean fired() {
        return outcome == Outcome.FIRED;
    }
}
