package dev.graft.growth.detect;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of one {@link RunDetector#evaluate}: the state to keep, and what fired.
 *
 * @param state the state after the evaluation
 * @param smoothed the growth detector's smoothed value (NaN for a non-finite value)
 * @param growth a growth signal (plateau or trend) that fired, whether or not the gate is open
 * @param verdict the gate's verdict on {@code growth}; {@link GateVerdict#OPEN} when nothing fired
 * @param divergence a divergence signal; never gated
 */
public record RunDetection(
        RunDetectorState state,
        double smoothed,
        Optional<Signal> growth,
        GateVerdict verdict,
        Optional<Signal> divergence) {

    /** Checks that nothing is null. */
    public RunDetection {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(growth, "growth");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(divergence, "divergence");
    }

    /** The growth signal if the gate lets it act. */
    public Optional<Signal> actionableGrowth() {
        return verdict.isOpen() ? growth : Optional.empty();
    }
}
