package dev.graft.growth.detect;

import java.util.Objects;
import java.util.Optional;

/**
 * One run's detection as a deployment configures it: the growth detector of the {@link
 * DetectionMode}, divergence when enabled, and the {@link DetectionGate}. Pure and immutable; the
 * {@link RunDetectorState} travels through {@link #evaluate} and back, so a stream job keeps it per
 * run.
 *
 * <pre>{@code
 * RunDetector detector = new RunDetector(rule);
 * RunDetectorState s = detector.initialState();
 * RunDetection d = detector.evaluate(s, step, wallTimeMillis, loss);
 * s = d.state();
 * d.divergence().ifPresent(alert);                 // never gated, never a growth
 * d.actionableGrowth().ifPresent(signal -> {       // plateau or trend, gate open
 *     act(signal);
 *     s = detector.afterAction(s, signal.step());  // cooldown starts
 * });
 * s = detector.newGeneration(s, firstStepOfNewModel);
 * }</pre>
 *
 * <p>The caller feeds values in step order, once each (a stream job orders and de-duplicates them
 * first, see {@link StepSequencer}).
 */
public final class RunDetector {
    private final RunDetectorRule rule;
    private final SmoothedPlateauDetector plateau;
    private final TrendDetector trend;
    private final DivergenceDetector divergence;
    private final DetectionGate gate;

    /**
     * @param rule the settings
     */
    public RunDetector(RunDetectorRule rule) {
        this.rule = Objects.requireNonNull(rule, "rule");
        if (rule.mode() == DetectionMode.TREND) {
            this.trend = new TrendDetector(rule.trendRule());
            this.plateau = null;
        } else {
            this.plateau = new SmoothedPlateauDetector(rule.plateau(), rule.smoothing());
            this.trend = null;
        }
        this.divergence =
                rule.divergence() == null ? null : new DivergenceDetector(rule.divergence());
        this.gate = new DetectionGate(rule.gate());
    }

    /** The settings. */
    public RunDetectorRule rule() {
        return rule;
    }

    /** Nothing seen yet. */
    public RunDetectorState initialState() {
        return new RunDetectorState(
                plateau == null ? null : plateau.initialState(),
                trend == null ? null : trend.initialState(),
                divergence == null ? null : divergence.initialState(),
                GateState.initial());
    }

    /**
     * Evaluates one value of the watched metric.
     *
     * @param wallTimeMillis when it was measured, or {@link MetricPoint#NO_TIME}
     */
    public RunDetection evaluate(
            RunDetectorState state, long step, long wallTimeMillis, double value) {
        Objects.requireNonNull(state, "state");
        GateState g = gate.observe(state.gate(), step, wallTimeMillis);
        Optional<Signal> diverged = Optional.empty();
        DivergenceState d = state.divergence();
        if (divergence != null) {
            SignalEvaluation<DivergenceState> e = divergence.evaluate(d, step, value);
            d = e.state();
            diverged = e.signal();
        }
        SmoothedPlateauState p = state.plateau();
        TrendState t = state.trend();
        SignalEvaluation<?> e;
        if (plateau != null) {
            SignalEvaluation<SmoothedPlateauState> pe = plateau.evaluate(p, step, value);
            p = pe.state();
            e = pe;
        } else {
            SignalEvaluation<TrendState> te = trend.evaluate(t, step, value);
            t = te.state();
            e = te;
        }
        GateVerdict verdict =
                e.signal().isPresent() ? gate.verdict(g, step, wallTimeMillis) : GateVerdict.OPEN;
        return new RunDetection(
                new RunDetectorState(p, t, d, g), e.smoothed(), e.signal(), verdict, diverged);
    }

    /** Records an action at {@code step}: the gate's cooldown starts. */
    public RunDetectorState afterAction(RunDetectorState state, long step) {
        return new RunDetectorState(
                state.plateau(),
                state.trend(),
                state.divergence(),
                gate.afterAction(state.gate(), step));
    }

    /**
     * A new generation starts at {@code step}: fresh detector states, the gate's run-level warm-up
     * kept and its generation restarted.
     */
    public RunDetectorState newGeneration(RunDetectorState state, long step) {
        RunDetectorState fresh = initialState();
        return new RunDetectorState(
                fresh.plateau(),
                fresh.trend(),
                fresh.divergence(),
                gate.newGeneration(state.gate(), step));
    }

    @Override
    public String toString() {
        return "RunDetector[" + rule + "]";
    }
}
