package dev.graft.growth.detect;

import java.util.Objects;

/**
 * Applies a {@link GateRule}: pure, with its {@link GateState} passed in and returned. Detectors
 * keep evaluating while the gate is closed (smoothers need the history); only acting on their
 * growth signals is held back. Divergence is never gated: a NaN in the first step is still a NaN.
 *
 * <pre>{@code
 * DetectionGate gate = new DetectionGate(new GateRule(2_000, 0, 5_000, 1_000));
 * GateState g = GateState.initial();
 * g = gate.observe(g, point.step(), point.wallTimeMillis());      // every point
 * if (signal.isGrowthCandidate() && gate.verdict(g, signal.step(), point.wallTimeMillis()).isOpen()) {
 *     act(signal);
 *     g = gate.afterAction(g, signal.step());
 * }
 * g = gate.newGeneration(g, firstStepOfNewModel);                 // after the model changed
 * }</pre>
 *
 * Steps are compared as differences: closed while {@code step - runFirstStep < warmupSteps}, {@code
 * wallTime - runFirstMillis < warmupMillis}, {@code step - generationFirstStep <
 * minStepsPerGeneration}, or {@code step - lastActionStep < cooldownSteps}; the first reason found
 * in that order is the verdict.
 */
public final class DetectionGate {

    private final GateRule rule;

    /**
     * @param rule the settings
     */
    public DetectionGate(GateRule rule) {
        this.rule = Objects.requireNonNull(rule, "rule");
    }

    /** The settings. */
    public GateRule rule() {
        return rule;
    }

    /**
     * Records a point: its step (and wall time, if known) starts the run and the generation when
     * they have not started.
     */
    public GateState observe(GateState state, long step, long wallTimeMillis) {
        Objects.requireNonNull(state, "state");
        if (state.runFirstStep() != Evidence.NO_STEP
                && (state.runFirstMillis() != MetricPoint.NO_TIME
                        || wallTimeMillis == MetricPoint.NO_TIME)
                && state.generationFirstStep() != Evidence.NO_STEP) {
            return state; // nothing left to learn: the common case allocates nothing
        }
        return new GateState(
                state.runFirstStep() == Evidence.NO_STEP ? step : state.runFirstStep(),
                state.runFirstMillis() == MetricPoint.NO_TIME
                        ? wallTimeMillis
                        : state.runFirstMillis(),
                state.generationFirstStep() == Evidence.NO_STEP
                        ? step
                        : state.generationFirstStep(),
                state.lastActionStep());
    }

    /**
     * Whether a growth signal at {@code step} may act.
     *
     * @param wallTimeMillis the wall time at {@code step}, or {@link MetricPoint#NO_TIME}
     */
    public GateVerdict verdict(GateState state, long step, long wallTimeMillis) {
        Objects.requireNonNull(state, "state");
        GateState s = observe(state, step, wallTimeMillis);
        if (step - s.runFirstStep() < rule.warmupSteps()) {
            return GateVerdict.WARMUP_STEPS;
        }
        if (rule.warmupMillis() > 0
                && wallTimeMillis != MetricPoint.NO_TIME
                && s.runFirstMillis() != MetricPoint.NO_TIME
                && wallTimeMillis - s.runFirstMillis() < rule.warmupMillis()) {
            return GateVerdict.WARMUP_TIME;
        }
        if (step - s.generationFirstStep() < rule.minStepsPerGeneration()) {
            return GateVerdict.GENERATION_TOO_YOUNG;
        }
        if (s.lastActionStep() != Evidence.NO_STEP
                && step - s.lastActionStep() < rule.cooldownSteps()) {
            return GateVerdict.COOLDOWN;
        }
        return GateVerdict.OPEN;
    }

    /** Records an action (a growth, shrink or rollback) at {@code step}: the cooldown starts. */
    public GateState afterAction(GateState state, long step) {
        Objects.requireNonNull(state, "state");
        return new GateState(
                state.runFirstStep(), state.runFirstMillis(), state.generationFirstStep(), step);
    }

    /**
     * Starts a new generation at {@code step} (the model changed size, or the trainer restored a
     * checkpoint). If the steps rewound below the last action, the action is moved to {@code step}
     * so the cooldown still runs from the restart instead of lasting until the old step is passed.
     */
    public GateState newGeneration(GateState state, long step) {
        Objects.requireNonNull(state, "state");
        long lastAction = state.lastActionStep();
        if (lastAction != Evidence.NO_STEP && step < lastAction) {
            lastAction = step;
        }
        return new GateState(
                state.runFirstStep() == Evidence.NO_STEP ? step : state.runFirstStep(),
                state.runFirstMillis(),
                step,
                lastAction);
    }

    @Override
    public String toString() {
        return "DetectionGate[" + rule + "]";
    }
}
