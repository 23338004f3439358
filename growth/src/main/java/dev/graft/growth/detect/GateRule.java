package dev.graft.growth.detect;

/**
 * When growth signals may act at all, whatever the detectors say: a warm-up at the start of a run
 * (in steps and in wall time), a minimum number of steps in each generation (each model size), and
 * a cooldown in steps after every action, because a restart after a growth shocks the loss (the
 * lesson of Keras {@code start_from_epoch}, Ray {@code grace_period} and {@code burn_in_period},
 * Katib {@code start_step}).
 *
 * <pre>{@code
 * // no growth in the first 2000 steps or 30 minutes, at least 5000 steps per model size,
 * // and 1000 steps of calm after each action
 * GateRule rule = new GateRule(2_000, 30 * 60_000L, 5_000, 1_000);
 * }</pre>
 *
 * @param warmupSteps steps from the run's first observed step during which the gate is closed,
 *     {@code >= 0}
 * @param warmupMillis wall-clock milliseconds from the run's first timed point during which the
 *     gate is closed, {@code >= 0}; not applied to points without a wall time
 * @param minStepsPerGeneration steps from a generation's first step during which the gate is
 *     closed, {@code >= 0}
 * @param cooldownSteps steps after an action during which the gate is closed, {@code >= 0}
 */
public record GateRule(
        long warmupSteps, long warmupMillis, long minStepsPerGeneration, long cooldownSteps)
        implements java.io.Serializable {

    /**
     * Validates every setting.
     *
     * @throws IllegalArgumentException naming the setting and the value found
     */
    public GateRule {
        requireNonNegative("warmupSteps", warmupSteps);
        requireNonNegative("warmupMillis", warmupMillis);
        requireNonNegative("minStepsPerGeneration", minStepsPerGeneration);
        requireNonNegative("cooldownSteps", cooldownSteps);
    }

    /** A gate that is always open. */
    public static GateRule open() {
        return new GateRule(0, 0, 0, 0);
    }

    private static void requireNonNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(
                    "GateRule " + field + " must be >= 0 (0 disables it), found " + value);
        }
    }
}
