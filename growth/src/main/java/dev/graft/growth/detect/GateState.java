package dev.graft.growth.detect;

/**
 * What a {@link DetectionGate} remembers about one run. {@link Evidence#NO_STEP} and {@link
 * MetricPoint#NO_TIME} mark what is not known yet.
 *
 * @param runFirstStep the first step observed in the run
 * @param runFirstMillis the wall time of the first timed point of the run
 * @param generationFirstStep the first step of the current generation
 * @param lastActionStep the step of the last action
 */
public record GateState(
        long runFirstStep, long runFirstMillis, long generationFirstStep, long lastActionStep) {

    /** Nothing observed yet. */
    public static GateState initial() {
        return new GateState(
                Evidence.NO_STEP, MetricPoint.NO_TIME, Evidence.NO_STEP, Evidence.NO_STEP);
    }
}
