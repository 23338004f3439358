package dev.graft.growth.detect;

/** Whether a {@link DetectionGate} lets a growth signal act, and if not, why. */
public enum GateVerdict {
    /** The signal may act. */
    OPEN,
    /** Within {@link GateRule#warmupSteps()} of the run's first step. */
    WARMUP_STEPS,
    /** Within {@link GateRule#warmupMillis()} of the run's first timed point. */
    WARMUP_TIME,
    /** Within {@link GateRule#minStepsPerGeneration()} of the generation's first step. */
    GENERATION_TOO_YOUNG,
    /** Within {@link GateRule#cooldownSteps()} of the last action. */
    COOLDOWN;

    /** Whether the signal may act. */
    public boolean isOpen() {
        return this == OPEN;
    }
}
