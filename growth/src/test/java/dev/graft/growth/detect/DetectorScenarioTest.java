package dev.graft.growth.detect;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Hand-computed scenarios for the trend and divergence detectors. */
class DetectorScenarioTest {

    @Test
    void trendFiresWhenProjectedImprovementIsBelowThresholdAndReportsTheSlope() {
        TrendDetector detector =
                new TrendDetector(
                        new TrendRule("loss", Mode.MIN, Smoothing.none(), 5, 100, 0.05, 0, 0));
        TrendState state = detector.initialState();
        Optional<Signal> last = Optional.empty();
        for (int i = 0; i < 5; i++) {
            SignalEvaluation<TrendState> e = detector.evaluate(state, i * 10L, 3 - 0.001 * i * 10);
            state = e.state();
            last = e.signal().or(() -> Optional.empty());
            if (i < 4) {
                assertThat(e.fired()).as("window not full at point %d", i).isFalse();
            }
        }
        Signal signal = last.orElseThrow();
        assertThat(signal.kind()).isEqualTo(SignalKind.TREND);
        assertThat(signal.step()).isEqualTo(40);
        assertThat(signal.evidence().slope()).isCloseTo(-0.001, within(1e-12));
        assertThat(signal.evidence().projectedImprovement()).isCloseTo(0.1 / 2.96, within(1e-12));
        assertThat(signal.evidence().mean()).isCloseTo(2.98, within(1e-12));
    }

    @Test
    void trendWithOneDistinctStepHasNoSlopeAndNeverFires() {
        TrendDetector detector =
                new TrendDetector(
                        new TrendRule("loss", Mode.MIN, Smoothing.none(), 2, 10, 1, 0, 0));
        TrendState state = detector.initialState();
        for (int i = 0; i < 4; i++) {
            SignalEvaluation<TrendState> e = detector.evaluate(state, 7, 1.0);
            state = e.state();
            assertThat(e.fired()).isFalse();
        }
        assertThatThrownBy(
                        () ->
                                new TrendDetector(
                                                new TrendRule(
                                                        "loss",
                                                        Mode.MIN,
                                                        Smoothing.none(),
                                                        3,
                                                        10,
                                                        1,
                                                        0,
                                                        0))
                                        .evaluate(detector.initialState(), 1, 1.0))
                .hasMessageContaining(
                        "window of 2 points but the rule for metric 'loss' has windowPoints 3");
    }

    @Test
    void divergenceFiresOnNonFiniteAtOnceAndOnSpikesAfterWarmup() {
        DivergenceDetector detector =
                new DivergenceDetector(new DivergenceRule("loss", 3.0, Smoothing.none(), 2, 0));
        DivergenceState state = detector.initialState();
        double[] values = {10.0, 40.0, 2.0, 6.5, Double.NaN, Double.NEGATIVE_INFINITY, 1.0};
        List<String> reasons = new ArrayList<>();
        List<Long> steps = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            SignalEvaluation<DivergenceState> e = detector.evaluate(state, i + 1, values[i]);
            state = e.state();
            e.signal()
                    .ifPresent(
                            s -> {
                                steps.add(s.step());
                                reasons.add(s.reason());
                                assertThat(s.kind()).isEqualTo(SignalKind.DIVERGENCE);
                                assertThat(s.isGrowthCandidate()).isFalse();
                            });
        }
        // 40 > 3 * 10 but only 1 value was smoothed (warm-up 2); 6.5 > 3 * 2 after warm-up.
        assertThat(steps).containsExactly(4L, 5L, 6L);
        assertThat(reasons.get(0)).startsWith("spike 3.25x smoothed 2");
        assertThat(reasons.subList(1, 3)).containsExactly("nan", "-inf");
        assertThat(state.firings()).isEqualTo(3);
        assertThat(state.evaluations()).isEqualTo(7);
    }

    @Test
    void divergenceCooldownSilencesARunOfNaNs() {
        DivergenceDetector detector =
                new DivergenceDetector(
                        new DivergenceRule(
                                "loss", Double.POSITIVE_INFINITY, Smoothing.none(), 1, 2));
        DivergenceState state = detector.initialState();
        List<Long> steps = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            SignalEvaluation<DivergenceState> e = detector.evaluate(state, i, Double.NaN);
            state = e.state();
            e.signal().ifPresent(s -> steps.add(s.step()));
        }
        assertThat(steps).containsExactly(1L, 4L, 7L);
    }

    @Test
    void smoothedPlateauIgnoresNonFiniteValues() {
        SmoothedPlateauDetector detector =
                new SmoothedPlateauDetector(
                        new PlateauRule("loss", Mode.MIN, 0, ThresholdMode.ABS, 0, 0),
                        Smoothing.ema(0.5));
        SmoothedPlateauState state = detector.evaluate(detector.initialState(), 1, 1.0).state();
        SignalEvaluation<SmoothedPlateauState> e = detector.evaluate(state, 2, Double.NaN);

        assertThat(e.state()).isEqualTo(state);
        assertThat(e.smoothed()).isNaN();
        assertThat(e.fired()).isFalse();

        Signal signal = detector.evaluate(state, 3, 1.0).signal().orElseThrow();
        assertThat(signal.kind()).isEqualTo(SignalKind.PLATEAU);
        assertThat(signal.evidence().badEvaluations()).isEqualTo(1);
        assertThat(signal.evidence().best()).isEqualTo(1.0);
        assertThat(signal.reason()).contains("smoothed ema:0.5");
    }
}
