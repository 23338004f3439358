package dev.graft.growth.detect;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Reports divergence, a signal of its own kind ({@link SignalKind#DIVERGENCE}) that a policy must
 * never take for a plateau: a NaN or infinite value fires at once; a finite value fires as a spike
 * when {@code value > spikeFactor * smoothed}, where {@code smoothed} is the smoothed value
 * <em>before</em> it, at least {@code warmupPoints} finite values have been smoothed, and {@code
 * smoothed > 0}.
 *
 * <h2>Semantics</h2>
 *
 * Per value: (1) if in cooldown, count it down and remember that nothing may fire; (2) decide
 * whether the value diverges as above; (3) a finite value then enters the smoother, spike or not (a
 * lasting jump becomes the new level instead of firing for ever); (4) fire if it diverged and was
 * not in cooldown, and start the cooldown.
 *
 * <pre>{@code
 * DivergenceDetector detector =
 *         new DivergenceDetector(new DivergenceRule("loss", 3.0, Smoothing.ema(0.9), 20, 0));
 * DivergenceState state = detector.initialState();
 * SignalEvaluation<DivergenceState> e = detector.evaluate(state, 500, Double.NaN);
 * e.signal().orElseThrow().reason();   // "nan"
 * }</pre>
 */
public final class DivergenceDetector implements SignalDetector<DivergenceState> {

    private final DivergenceRule rule;

    /**
     * @param rule the settings
     */
    public DivergenceDetector(DivergenceRule rule) {
        this.rule = Objects.requireNonNull(rule, "rule");
    }

    /** The settings. */
    public DivergenceRule rule() {
        return rule;
    }

    @Override
    public String metric() {
        return rule.metric();
    }

    @Override
    public DivergenceState initialState() {
        return new DivergenceState(rule.smoothing().initialState(), 0, 0, Evidence.NO_STEP, 0);
    }

    @Override
    public SignalEvaluation<DivergenceState> evaluate(
            DivergenceState state, long step, double value) {
        Objects.requireNonNull(state, "state");
        int cooldownRemaining = state.cooldownRemaining();
        boolean inCooldown = cooldownRemaining > 0;
        if (inCooldown) {
            cooldownRemaining -= 1;
        }
        long evaluations = state.evaluations() + 1;
        long firstStep = state.evaluations() == 0 ? step : state.firstStep();

        SmoothingState before = state.smoothing();
        double reference = before.smoothed();
        SmoothingState after = before;
        String reason = null;
        if (Double.isNaN(value)) {
            reason = "nan";
        } else if (Double.isInfinite(value)) {
            reason = value > 0 ? "+inf" : "-inf";
        } else {
            if (before.count() >= rule.warmupPoints()
                    && reference > 0
                    && value > rule.spikeFactor() * reference) {
                reason =
                        String.format(
                                Locale.ROOT,
                                "spike %.3gx smoothed %.6g (factor %s)",
                                value / reference,
                                reference,
                                rule.spikeFactor());
            }
            after = rule.smoothing().update(before, value);
        }

        Optional<Signal> signal = Optional.empty();
        if (reason != null && !inCooldown) {
            signal =
                    Optional.of(
                            new Signal(
                                    SignalKind.DIVERGENCE,
                                    rule.metric(),
                                    step,
                                    reason,
                                    new Evidence(
                                            evaluations,
                                            firstStep,
                                            step,
                                            value,
                                            Double.NaN,
                                            Evidence.NO_STEP,
                                            Double.NaN,
                                            reference,
                                            Double.NaN,
                                            Double.NaN,
                                            rule.spikeFactor(),
                                            1)));
            cooldownRemaining = rule.cooldown();
        }
        return new SignalEvaluation<>(
                new DivergenceState(
                        after,
                        cooldownRemaining,
                        evaluations,
                        firstStep,
                        state.firings() + (signal.isPresent() ? 1 : 0)),
                Double.isFinite(value) ? after.smoothed() : Double.NaN,
                signal);
    }

    @Override
    public String toString() {
        return "DivergenceDetector[" + rule + "]";
    }
}
