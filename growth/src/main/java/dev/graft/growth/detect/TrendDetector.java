package dev.graft.growth.detect;

import java.util.Objects;
import java.util.Optional;

/**
 * Fires when a least-squares line through the recent smoothed metric projects too little
 * improvement: "at this rate, the loss gets less than 1% better over the next 1000 steps".
 *
 * <h2>Semantics</h2>
 *
 * For each finite value (NaN and infinities are skipped: state unchanged, no signal):
 *
 * <ol>
 *   <li>smooth it with {@link TrendRule#smoothing()} and push the smoothed value and its step into
 *       the window of the last {@link TrendRule#windowPoints()} values;
 *   <li>when the window is full, fit {@code smoothed = intercept + slope * step} by least squares
 *       ({@code slope = Σ(x - x̄)(y - ȳ) / Σ(x - x̄)²}, sums in window order, oldest first) and
 *       compute {@code improvement = -slope * horizonSteps / |smoothed|} for MIN ({@code +slope}
 *       for MAX), where {@code smoothed} is the newest smoothed value; the evaluation is
 *       <em>bad</em> when {@code improvement < threshold} (a window with a single distinct step has
 *       no slope and is never bad; {@code smoothed == 0} projects ±infinity or 0);
 *   <li>then exactly PyTorch's counting: bad → {@code bad += 1}, else {@code bad = 0}; in cooldown
 *       → {@code cooldown -= 1, bad = 0}; {@code bad > patience} → fire, {@code cooldown =
 *       rule.cooldown}, {@code bad = 0}.
 * </ol>
 *
 * The slope is per step, not per evaluation, so unevenly logged steps, and eval losses that arrive
 * every few hundred steps, are handled without resampling.
 *
 * <pre>{@code
 * TrendDetector detector = new TrendDetector(
 *         new TrendRule("loss", Mode.MIN, Smoothing.ema(0.9), 50, 1000, 0.01, 4, 0));
 * TrendState state = detector.initialState();
 * for (MetricPoint p : points) {
 *     SignalEvaluation<TrendState> e = detector.evaluate(state, p.step(), p.value());
 *     state = e.state();
 *     e.signal().ifPresent(s -> System.out.println(s.step() + " " + s.evidence().slope()));
 * }
 * }</pre>
 */
public final class TrendDetector implements SignalDetector<TrendState> {

    private final TrendRule rule;

    /**
     * @param rule the settings
     */
    public TrendDetector(TrendRule rule) {
        this.rule = Objects.requireNonNull(rule, "rule");
    }

    /** The settings. */
    public TrendRule rule() {
        return rule;
    }

    @Override
    public String metric() {
        return rule.metric();
    }

    @Override
    public TrendState initialState() {
        int w = rule.windowPoints();
        return new TrendState(
                rule.smoothing().initialState(),
                new double[w],
                new long[w],
                0,
                0,
                0,
                0,
                0,
                Evidence.NO_STEP,
                rule.mode().worst(),
                Evidence.NO_STEP,
                0);
    }

    @Override
    public SignalEvaluation<TrendState> evaluate(TrendState state, long step, double value) {
        Objects.requireNonNull(state, "state");
        int w = rule.windowPoints();
        if (state.windowValues().length != w) {
            throw new IllegalArgumentException(
                    "TrendState has a window of "
                            + state.windowValues().length
                            + " points but the rule for metric '"
                            + rule.metric()
                            + "' has windowPoints "
                            + w
                            + ": start from detector.initialState()");
        }
        if (!Double.isFinite(value)) {
            return new SignalEvaluation<>(state, Double.NaN, Optional.empty());
        }
        SmoothingState smoothing = rule.smoothing().update(state.smoothing(), value);
        double smoothed = smoothing.smoothed();

        double[] values = state.windowValues();
        long[] steps = state.windowSteps();
        values[state.windowNext()] = smoothed;
        steps[state.windowNext()] = step;
        int size = Math.min(state.windowSize() + 1, w);
        int next = (state.windowNext() + 1) % w;

        double best = state.best();
        long bestStep = state.bestStep();
        if (rule.mode() == Mode.MIN ? smoothed < best : smoothed > best) {
            best = smoothed;
            bestStep = step;
        }

        double slope = Double.NaN;
        double improvement = Double.NaN;
        double windowMean = Double.NaN;
        boolean bad = false;
        if (size == w) {
            // Oldest first: when full, the oldest value sits in the slot written next.
            double[] y = new double[w];
            long[] x = new long[w];
            for (int i = 0; i < w; i++) {
                y[i] = values[(next + i) % w];
                x[i] = steps[(next + i) % w];
            }
            slope = leastSquaresSlope(x, y);
            windowMean = mean(y);
            if (!Double.isNaN(slope)) {
                improvement = projectedImprovement(slope, smoothed);
                bad = improvement < rule.threshold();
            }
        }

        int badEvaluations = bad ? saturatingIncrement(state.badEvaluations()) : 0;
        int cooldownRemaining = state.cooldownRemaining();
        if (cooldownRemaining > 0) {
            cooldownRemaining -= 1;
            badEvaluations = 0;
        }
        long evaluations = state.evaluations() + 1;
        long firstStep = state.evaluations() == 0 ? step : state.firstStep();

        Optional<Signal> signal = Optional.empty();
        if (badEvaluations > rule.patience()) {
            signal =
                    Optional.of(
                            new Signal(
                                    SignalKind.TREND,
                                    rule.metric(),
                                    step,
                                    String.format(
                                            java.util.Locale.ROOT,
                                            "projected %.4g relative improvement over %d steps"
                                                    + " < %s (slope %.4g per step over %d points)",
                                            improvement,
                                            rule.horizonSteps(),
                                            rule.threshold(),
                                            slope,
                                            w),
                                    new Evidence(
                                            evaluations,
                                            firstStep,
                                            step,
                                            value,
                                            best,
                                            bestStep,
                                            windowMean,
                                            smoothed,
                                            slope,
                                            improvement,
                                            rule.threshold(),
                                            badEvaluations)));
            cooldownRemaining = rule.cooldown();
            badEvaluations = 0;
        }
        TrendState nextState =
                new TrendState(
                        smoothing,
                        values,
                        steps,
                        size,
                        next,
                        badEvaluations,
                        cooldownRemaining,
                        evaluations,
                        firstStep,
                        best,
                        bestStep,
                        state.firings() + (signal.isPresent() ? 1 : 0));
        return new SignalEvaluation<>(nextState, smoothed, signal);
    }

    /**
     * The relative improvement {@code slope} projects over the horizon from {@code smoothed}:
     * {@code -slope * horizonSteps / |smoothed|} for MIN, {@code slope * horizonSteps / |smoothed|}
     * for MAX; at {@code smoothed == 0} the sign of the projection as ±infinity, or 0.
     */
    double projectedImprovement(double slope, double smoothed) {
        double projected = (rule.mode() == Mode.MIN ? -slope : slope) * rule.horizonSteps();
        double scale = Math.abs(smoothed);
        if (scale == 0) {
            return projected > 0
                    ? Double.POSITIVE_INFINITY
                    : projected < 0 ? Double.NEGATIVE_INFINITY : 0.0;
        }
        return projected / scale;
    }

    /**
     * The least-squares slope of {@code y} against {@code x}: {@code Σ(x - x̄)(y - ȳ) / Σ(x -
     * x̄)²}, means and sums taken in array order; NaN when all {@code x} are equal.
     */
    static double leastSquaresSlope(long[] x, double[] y) {
        int n = x.length;
        double sumX = 0;
        double sumY = 0;
        for (int i = 0; i < n; i++) {
            sumX += (double) x[i];
            sumY += y[i];
        }
        double meanX = sumX / n;
        double meanY = sumY / n;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            double dx = (double) x[i] - meanX;
            sxy += dx * (y[i] - meanY);
            sxx += dx * dx;
        }
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }

    private static double mean(double[] y) {
        double sum = 0;
        for (double v : y) {
            sum += v;
        }
        return sum / y.length;
    }

    private static int saturatingIncrement(int count) {
        return count == Integer.MAX_VALUE ? count : count + 1;
    }

    @Override
    public String toString() {
        return "TrendDetector[" + rule + "]";
    }
}
