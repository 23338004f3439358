package dev.graft.growth.detect;

import java.util.Objects;
import java.util.Optional;

/**
 * PyTorch's {@code ReduceLROnPlateau} applied to a smoothed metric: each finite value goes through
 * a {@link Smoothing} (debiased EMA or window median) and the smoothed value through a {@link
 * PlateauDetector} with the same rule. With {@link Smoothing#none()} it fires exactly where {@code
 * PlateauDetector} (and PyTorch) does.
 *
 * <p>Why: compared against the best value ever seen, a noisy loss either keeps setting lucky new
 * bests (no plateau is ever found) or sits above one lucky dip for ever (pytorch/pytorch#30873,
 * Lightning#20617). The smoothed value moves with the trend, not with the noise.
 *
 * <pre>{@code
 * SmoothedPlateauDetector detector = new SmoothedPlateauDetector(
 *         new PlateauRule("loss", Mode.MIN, 1e-3, ThresholdMode.REL, 20, 0), Smoothing.ema(0.9));
 * SmoothedPlateauState state = detector.initialState();
 * SignalEvaluation<SmoothedPlateauState> e = detector.evaluate(state, 100, 2.31);
 * state = e.state();                      // e.smoothed() is the value the rule compared
 * e.signal().ifPresent(s -> grow(s));     // kind PLATEAU, evidence.best is a smoothed best
 * }</pre>
 *
 * <p>NaN and infinite values are skipped (state unchanged, no signal, smoothed NaN), as {@link
 * PlateauDetector} skips them: a {@link DivergenceDetector} reports them.
 */
public final class SmoothedPlateauDetector implements SignalDetector<SmoothedPlateauState> {

    private final PlateauDetector plateau;
    private final Smoothing smoothing;

    /**
     * @param rule the PyTorch plateau rule applied to the smoothed values
     * @param smoothing how values are smoothed first
     */
    public SmoothedPlateauDetector(PlateauRule rule, Smoothing smoothing) {
        this.plateau = new PlateauDetector(Objects.requireNonNull(rule, "rule"));
        this.smoothing = Objects.requireNonNull(smoothing, "smoothing");
    }

    /** The plateau rule. */
    public PlateauRule rule() {
        return plateau.rule();
    }

    /** The smoothing. */
    public Smoothing smoothing() {
        return smoothing;
    }

    @Override
    public String metric() {
        return plateau.rule().metric();
    }

    @Override
    public SmoothedPlateauState initialState() {
        return new SmoothedPlateauState(smoothing.initialState(), plateau.initialState());
    }

    @Override
    public SignalEvaluation<SmoothedPlateauState> evaluate(
            SmoothedPlateauState state, long step, double value) {
        Objects.requireNonNull(state, "state");
        if (!Double.isFinite(value)) {
            return new SignalEvaluation<>(state, Double.NaN, Optional.empty());
        }
        SmoothingState smoothed = smoothing.update(state.smoothing(), value);
        PlateauEvaluation evaluation = plateau.evaluate(state.plateau(), step, smoothed.smoothed());
        Optional<Signal> signal =
                evaluation
                        .firing()
                        .map(
                                f ->
                                        new Signal(
                                                SignalKind.PLATEAU,
                                                metric(),
                                                step,
                                                reason(f),
                                                new Evidence(
                                                        f.evaluations(),
                                                        f.firstStep(),
                                                        step,
                                                        value,
                                                        f.best(),
                                                        f.bestStep(),
                                                        f.mean(),
                                                        f.value(),
                                                        Double.NaN,
                                                        Double.NaN,
                                                        rule().threshold(),
                                                        f.badEvaluations())));
        return new SignalEvaluation<>(
                new SmoothedPlateauState(smoothed, evaluation.state()),
                smoothed.smoothed(),
                signal);
    }

    private String reason(PlateauFiring f) {
        return f.badEvaluations()
                + " evaluations without a "
                + rule().threshold()
                + " "
                + rule().thresholdMode().pytorchName()
                + " improvement on best "
                + f.best()
                + " (step "
                + f.bestStep()
                + ")"
                + (smoothing.kind() == Smoothing.Kind.NONE ? "" : ", smoothed " + smoothing);
    }

    @Override
    public String toString() {
        return "SmoothedPlateauDetector[" + rule() + ", " + smoothing + "]";
    }
}
