package dev.graft.growth.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Replays a whole logged curve through a growth detector, an optional {@link DivergenceDetector}
 * and a {@link DetectionGate}, offline: what {@code graft detect} runs so people can tune
 * thresholds on old runs, and what the detection report is made of.
 *
 * <pre>{@code
 * CurveScan.Result result = CurveScan.run(
 *         points,
 *         new SmoothedPlateauDetector(PlateauRule.pytorchDefaults("loss"), Smoothing.ema(0.9)),
 *         Optional.of(new DivergenceDetector(DivergenceRule.nonFiniteOnly("loss"))),
 *         new DetectionGate(GateRule.open()));
 * result.signals();     // every firing that would act, in step order
 * result.gated();       // growth firings the gate held back, with the reason
 * }</pre>
 *
 * <p>Points are taken in the order given. A step lower than the one before means the trainer
 * restarted from an earlier checkpoint: a new generation starts there, with fresh detector states
 * (as Graft's generation counter does online). Every growth signal the gate lets through is taken
 * to be acted on, so it starts the gate's cooldown; divergence (from {@code divergence}, or from
 * {@code detector} itself when that is a {@link DivergenceDetector}) is reported, never gated, and
 * is not taken as an action.
 */
public final class CurveScan {

    private CurveScan() {}

    /**
     * One point of the replay.
     *
     * @param step its step
     * @param value the raw value
     * @param smoothed the growth detector's smoothed value (NaN for a non-finite value)
     * @param generation 0, then +1 at every step rewind
     */
    public record ScannedPoint(long step, double value, double smoothed, int generation) {}

    /**
     * A growth firing the gate held back.
     *
     * @param signal the firing
     * @param verdict why it could not act
     */
    public record GatedSignal(Signal signal, GateVerdict verdict) {}

    /**
     * The replay.
     *
     * @param points every point with its smoothed value
     * @param signals the firings that act (growth signals through the gate, and all divergence), in
     *     order
     * @param gated growth firings held back by the gate, in order
     */
    public record Result(List<ScannedPoint> points, List<Signal> signals, List<GatedSignal> gated) {
        /** Copies the lists. */
        public Result {
            points = List.copyOf(points);
            signals = List.copyOf(signals);
            gated = List.copyOf(gated);
        }
    }

    /**
     * Replays {@code points}.
     *
     * @param points the curve, in logged order
     * @param detector the growth detector (plateau or trend)
     * @param divergence a divergence detector fed the same points, or empty
     * @param gate the gate applied to growth signals
     */
    public static Result run(
            List<MetricPoint> points,
            SignalDetector<?> detector,
            Optional<DivergenceDetector> divergence,
            DetectionGate gate) {
        Objects.requireNonNull(points, "points");
        Objects.requireNonNull(divergence, "divergence (use Optional.empty())");
        Objects.requireNonNull(gate, "gate");
        return new Run<>(Objects.requireNonNull(detector, "detector"), divergence, gate)
                .replay(points);
    }

    /** Holds the typed state of one replay. */
    private static final class Run<S> {
        private final SignalDetector<S> detector;
        private final Optional<DivergenceDetector> divergence;
        private final DetectionGate gate;

        Run(
                SignalDetector<S> detector,
                Optional<DivergenceDetector> divergence,
                DetectionGate gate) {
            this.detector = detector;
            this.divergence = divergence;
            this.gate = gate;
        }

        Result replay(List<MetricPoint> points) {
            List<ScannedPoint> scanned = new ArrayList<>(points.size());
            List<Signal> signals = new ArrayList<>();
            List<GatedSignal> gated = new ArrayList<>();
            S state = detector.initialState();
            DivergenceState divergenceState =
                    divergence.map(DivergenceDetector::initialState).orElse(null);
            GateState gateState = GateState.initial();
            int generation = 0;
            long previousStep = Evidence.NO_STEP;
            for (MetricPoint point : points) {
                long step = point.step();
                if (previousStep != Evidence.NO_STEP && step < previousStep) {
                    generation++;
                    state = detector.initialState();
                    divergenceState = divergence.map(DivergenceDetector::initialState).orElse(null);
                    gateState = gate.newGeneration(gateState, step);
                }
                previousStep = step;
                gateState = gate.observe(gateState, step, point.wallTimeMillis());

                if (divergenceState != null) {
                    SignalEvaluation<DivergenceState> d =
                            divergence.get().evaluate(divergenceState, step, point.value());
                    divergenceState = d.state();
                    d.signal().ifPresent(signals::add);
                }
                SignalEvaluation<S> e = detector.evaluate(state, step, point.value());
                state = e.state();
                scanned.add(new ScannedPoint(step, point.value(), e.smoothed(), generation));
                if (e.signal().isPresent() && !e.signal().get().isGrowthCandidate()) {
                    signals.add(e.signal().get()); // a divergence detector passed as `detector`
                } else if (e.signal().isPresent()) {
                    Signal signal = e.signal().get();
                    GateVerdict verdict = gate.verdict(gateState, step, point.wallTimeMillis());
                    if (verdict.isOpen()) {
                        signals.add(signal);
                        gateState = gate.afterAction(gateState, step);
                    } else {
                        gated.add(new GatedSignal(signal, verdict));
                    }
                }
            }
            return new Result(scanned, signals, gated);
        }
    }
}
