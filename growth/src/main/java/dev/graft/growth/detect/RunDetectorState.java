package dev.graft.growth.detect;

import java.util.Objects;

/**
 * What a {@link RunDetector} remembers about one run: the growth detector's state for the current
 * generation (the field of the configured mode; the other is {@code null}), the divergence
 * detector's state ({@code null} without one) and the gate's state, which spans generations.
 *
 * @param plateau state of RLROP, EMA and MEDIAN modes; {@code null} in TREND mode
 * @param trend state of TREND mode; {@code null} otherwise
 * @param divergence divergence state; {@code null} without a divergence rule
 * @param gate the gate's state (warm-up and cooldown run across generations)
 */
public record RunDetectorState(
        SmoothedPlateauState plateau,
        TrendState trend,
        DivergenceState divergence,
        GateState gate) {

    /** Checks that exactly one growth state is set. */
    public RunDetectorState {
        Objects.requireNonNull(gate, "gate");
        if ((plateau == null) == (trend == null)) {
            throw new IllegalArgumentException(
                    "RunDetectorState needs exactly one of plateau and trend state, found "
                            + (plateau == null ? "neither" : "both"));
        }
    }
}
