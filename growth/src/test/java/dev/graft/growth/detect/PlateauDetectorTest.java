package dev.graft.growth.detect;

import dev.graft.growth.detect.PlateauEvaluation.Outcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static dev.graft.growth.detect.PlateauEvaluation.Outcome.FIRED;
import static dev.graft.growth.detect.PlateauEvaluation.Outcome.IMPROVED;
import static dev.graft.growth.detect.PlateauEvaluation.Outcome.IN_COOLDOWN;
import static dev.graft.growth.detect.PlateauEvaluation.Outcome.NOT_IMPROVED;
import static dev.graft.growth.detect.PlateauEvaluation.Outcome.SKIPPED_NON_FINITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlateauDetectorTest {

    private static PlateauDetector detector(
            Mode mode, double threshold, ThresholdMode thresholdMode, int patience, int cooldown) {
        return new PlateauDetector(
                new PlateauRule("val_loss", mode, threshold, thresholdMode, patience, cooldown));
    }

    /** Evaluates values at steps 1, 2, 3, … and returns every evaluation. */
    private static List<PlateauEvaluation> run(PlateauDetector detector, double... values) {
        List<PlateauEvaluation> evaluations = new ArrayList<>();
        PlateauState state = detector.initialState();
        for (int i = 0; i < values.length; i++) {
            PlateauEvaluation evaluation = detector.evaluate(state, i + 1, values[i]);
            evaluations.add(evaluation);
            state = evaluation.state();
        }
        return evaluations;
    }

    private static List<Outcome> outcomes(PlateauDetector detector, double... values) {
        return run(detector, values).stream().map(PlateauEvaluation::outcome).toList();
    }

    @Test
    void pytorchDocsExample_patienceTwoFiresOnTheThirdBadEvaluation() {
        // The worked example in PlateauDetector's Javadoc.
        PlateauDetector detector = detector(Mode.MIN, 1e-4, ThresholdMode.REL, 2, 0);

        List<PlateauEvaluation> evaluations = run(detector, 1.00, 0.99, 0.99, 1.20, 0.98999, 0.95);

        assertThat(evaluations)
                .extracting(PlateauEvaluation::outcome)
                .containsExactly(IMPROVED, IMPROVED, NOT_IMPROVED, NOT_IMPROVED, FIRED, IMPROVED);
        assertThat(evaluations)
                .extracting(e -> e.state().badEvaluations())
                .containsExactly(0, 0, 1, 2, 0, 0);
        PlateauFiring firing = evaluations.get(4).firing().orElseThrow();
        assertThat(firing)
                .isEqualTo(
                        new PlateauFiring(
                                5,
                                0.98999,
                                0.99,
                                2,
                                3,
                                5,
                                1,
                                (1.00 + 0.99 + 0.99 + 1.20 + 0.98999) / 5));
        assertThat(evaluations.get(4).fired()).isTrue();
        assertThat(evaluations.get(3).fired()).isFalse();
    }

    @Test
    void aValueThatNeverImprovesFiresEveryPatiencePlusOneEvaluations() {
        PlateauDetector detector = detector(Mode.MIN, 1e-4, ThresholdMode.REL, 2, 0);

        assertThat(outcomes(detector, 1, 1, 1, 1, 1, 1, 1))
                .containsExactly(
                        IMPROVED,
                        NOT_IMPROVED,
                        NOT_IMPROVED,
                        FIRED,
                        NOT_IMPROVED,
                        NOT_IMPROVED,
                        FIRED);
    }

    @Test
    void patienceZeroFiresOnEveryEvaluationThatDoesNotImprove() {
        // torch's docstring: the first epoch sets the baseline; a worse second one is intolerable.
        PlateauDetector detector = detector(Mode.MIN, 1e-4, ThresholdMode.REL, 0, 0);

        assertThat(outcomes(detector, 1.0, 2.0, 0.5, 0.5, 0.4))
                .containsExactly(IMPROVED, FIRED, IMPROVED, FIRED, IMPROVED);
    }

    @Test
    void cooldownIgnoresBadEvaluationsAfterAFiring() {
        PlateauDetector detector = detector(Mode.MIN, 1e-4, ThresholdMode.REL, 1, 2);

        List<PlateauEvaluation> evaluations = run(detector, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);

        assertThat(evaluations)
                .extracting(PlateauEvaluation::outcome)
                .containsExactly(
                        IMPROVED,
                        NOT_IMPROVED,
                        FIRED,
                        IN_COOLDOWN,
                        IN_COOLDOWN,
                        NOT_IMPROVED,
                        FIRED,
                        IN_COOLDOWN,
                        IN_COOLDOWN,
                        NOT_IMPROVED);
        assertThat(evaluations)
                .extracting(e -> e.state().cooldownRemaining())
                .containsExactly(0, 0, 2, 1, 0, 0, 2, 1, 0, 0);
        assertThat(evaluations)
                .extracting(e -> e.state().badEvaluations())
                .containsExactly(0, 1, 0, 0, 0, 1, 0, 0, 0, 1);
        assertThat(evaluations.get(9).state().firings()).isEqualTo(2);
    }

    @Test
    void anImprovementDuringCooldownMovesTheBestAndTheCooldownStillCountsDown() {
        PlateauDetector detector = detector(Mode.MIN, 1e-4, ThresholdMode.REL, 0, 3);

        List<PlateauEvaluation> evaluations = run(detector, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6);

        assertThat(evaluations)
                .extracting(PlateauEvaluation::outcome)
                .containsExactly(IMPROVED, FIRED, IMPROVED, IN_COOLDOWN, IN_COOLDOWN, FIRED);
        PlateauState afterImprovement = evaluations.get(2).state();
        assertThat(afterImprovement.best()).isEqualTo(0.5);
        assertThat(afterImprovement.bestStep()).isEqualTo(3);
        assertThat(afterImprovement.cooldownRemaining()).isEqualTo(2);
        assertThat(evaluations.get(5).firing().orElseThrow().best()).isEqualTo(0.5);
    }

    @Test
    void relativeThresholdBoundaryIsNotAnImprovement() {
        // 2.0 * (1 - 0.25) == 1.5 exactly: torch's comparison is strict.
        PlateauDetector detector = detector(Mode.MIN, 0.25, ThresholdMode.REL, 5, 0);
        PlateauState best2 = detector.evaluate(detector.initialState(), 1, 2.0).state();

        assertThat(detector.evaluate(best2, 2, 1.5).outcome()).isEqualTo(NOT_IMPROVED);
        assertThat(detector.evaluate(best2, 2, Math.nextDown(1.5)).outcome()).isEqualTo(IMPROVED);
    }

    @Test
    void absoluteThresholdBoundaryIsNotAnImprovement() {
        PlateauDetector detector = detector(Mode.MIN, 0.25, ThresholdMode.ABS, 5, 0);
        PlateauState best1 = detector.evaluate(detector.initialState(), 1, 1.0).state();

        assertThat(detector.evaluate(best1, 2, 0.75).outcome()).isEqualTo(NOT_IMPROVED);
        assertThat(detector.evaluate(best1, 2, Math.nextDown(0.75)).outcome()).isEqualTo(IMPROVED);
    }

    @Test
    void relativeAndAbsoluteThresholdsDrawTheBoundaryInDifferentPlaces() {
        // best 100, threshold 0.01: rel needs < 99, abs needs < 99.99.
        PlateauRule rel = new PlateauRule("loss", Mode.MIN, 0.01, ThresholdMode.REL, 0, 0);
        PlateauRule abs = new PlateauRule("loss", Mode.MIN, 0.01, ThresholdMode.ABS, 0, 0);

        assertThat(rel.isBetter(99.5, 100)).isFalse();
        assertThat(abs.isBetter(99.5, 100)).isTrue();
        assertThat(rel.isBetter(99.0, 100)).isFalse();
        assertThat(rel.isBetter(98.99, 100)).isTrue();
        assertThat(abs.isBetter(99.99, 100)).isFalse();
    }

    @Test
    void maxModeBoundariesAreStrictToo() {
        PlateauRule rel = new PlateauRule("acc", Mode.MAX, 0.25, ThresholdMode.REL, 0, 0);
        PlateauRule abs = new PlateauRule("acc", Mode.MAX, 0.25, ThresholdMode.ABS, 0, 0);

        assertThat(rel.isBetter(2.5, 2.0)).isFalse();
        assertThat(rel.isBetter(Math.nextUp(2.5), 2.0)).isTrue();
        assertThat(abs.isBetter(2.25, 2.0)).isFalse();
        assertThat(abs.isBetter(Math.nextUp(2.25), 2.0)).isTrue();
    }

    @Test
    void zeroThresholdCountsAnEqualValueAsBad() {
        PlateauRule rule = new PlateauRule("loss", Mode.MIN, 0, ThresholdMode.ABS, 0, 0);

        assertThat(rule.isBetter(1.0, 1.0)).isFalse();
        assertThat(rule.isBetter(Math.nextDown(1.0), 1.0)).isTrue();
    }

    @Test
    void thresholdArithmeticIsTorchsFloatingPoint() {
        // 0.3 - 0.1 == 0.19999999999999998, so 0.2 is not below it: same in Python.
        PlateauRule rule = new PlateauRule("loss", Mode.MIN, 0.1, ThresholdMode.ABS, 0, 0);

        assertThat(rule.isBetter(0.2, 0.3)).isFalse();
        assertThat(rule.isBetter(0.19999999999999996, 0.3)).isTrue();
    }

    @Test
    void relativeThresholdOnNegativeValuesInMaxModeFollowsTorch() {
        // -1.0 * 1.0001 == -1.0001, so a slightly lower value still counts as better.
        PlateauRule rule = new PlateauRule("neg_loss", Mode.MAX, 1e-4, ThresholdMode.REL, 0, 0);

        assertThat(rule.isBetter(-1.00005, -1.0)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"MIN", "MAX"})
    void theFirstFiniteValueAlwaysImproves(Mode mode) {
        for (ThresholdMode thresholdMode : ThresholdMode.values()) {
            PlateauDetector detector = detector(mode, 1e-4, thresholdMode, 0, 0);

            PlateauEvaluation first = detector.evaluate(detector.initialState(), 7, 123.0);

            assertThat(first.outcome()).isEqualTo(IMPROVED);
            assertThat(first.state().best()).isEqualTo(123.0);
            assertThat(first.state().bestStep()).isEqualTo(7);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void nonFiniteValuesAreSkippedAndLeaveTheStateUnchanged(double nonFinite) {
        PlateauDetector detector = detector(Mode.MIN, 1e-4, ThresholdMode.REL, 0, 0);
        PlateauState state = detector.evaluate(detector.initialState(), 1, 1.0).state();

        PlateauEvaluation skipped = detector.evaluate(state, 2, nonFinite);

        assertThat(skipped.outcome()).isEqualTo(SKIPPED_NON_FINITE);
        assertThat(skipped.state()).isSameAs(state);
        assertThat(skipped.firing()).isEmpty();
        assertThat(skipped.fired()).isFalse();
    }

    @Test
    void nonFiniteValuesNeitherHastenNorDelayAFiring() {
        PlateauDetector detector = detector(Mode.MIN, 1e-4, ThresholdMode.REL, 2, 0);
        double nan = Double.NaN;
        double inf = Double.POSITIVE_INFINITY;

        // torch would fire at the 3rd value (NaN counts as a bad epoch) and, after -inf became
        // the best, at every later one.
        assertThat(outcomes(detector, 1, nan, 1, nan, inf, 1, -inf, 1, 0.5))
                .containsExactly(
                        IMPROVED,
                        SKIPPED_NON_FINITE,
                        NOT_IMPROVED,
                        SKIPPED_NON_FINITE,
                        SKIPPED_NON_FINITE,
                        NOT_IMPROVED,
                        SKIPPED_NON_FINITE,
                        FIRED,
                        IMPROVED);
    }

    @Test
    void aRelativeThresholdOfOneOrMoreInMinModeNeverImprovesAsInTorch() {
        // inf * (1 - 1) is NaN and inf * (1 - 1.5) is -inf: no value beats either.
        for (double threshold : new double[] {1.0, 1.5}) {
            PlateauDetector detector = detector(Mode.MIN, threshold, ThresholdMode.REL, 1, 0);

            assertThat(outcomes(detector, 3, 2, 1, 0))
                    .containsExactly(NOT_IMPROVED, FIRED, NOT_IMPROVED, FIRED);
        }
    }

    @Test
    void isBetterIsFalseForNaNAsInTorch() {
        PlateauRule rule = PlateauRule.pytorchDefaults("loss");

        assertThat(rule.isBetter(Double.NaN, 1.0)).isFalse();
        assertThat(rule.isBetter(1.0, Double.NaN)).isFalse();
    }

    @Test
    void stateKeepsRunningStatisticsOfTheFiniteValues() {
        PlateauDetector detector = detector(Mode.MIN, 1e-4, ThresholdMode.REL, 10, 0);
        PlateauState state = detector.initialState();
        state = detector.evaluate(state, 100, 4.0).state();
        state = detector.evaluate(state, 200, Double.NaN).state();
        state = detector.evaluate(state, 300, 2.0).state();
        state = detector.evaluate(state, 400, 3.0).state();

        assertThat(state.evaluations()).isEqualTo(3);
        assertThat(state.firstStep()).isEqualTo(100);
        assertThat(state.lastStep()).isEqualTo(400);
        assertThat(state.lastValue()).isEqualTo(3.0);
        assertThat(state.sum()).isEqualTo(9.0);
        assertThat(state.mean()).isEqualTo(3.0);
        assertThat(state.best()).isEqualTo(2.0);
        assertThat(state.bestStep()).isEqualTo(300);
        assertThat(state.badEvaluations()).isEqualTo(1);
        assertThat(state.firings()).isZero();
    }

    @Test
    void evaluateIsPure() {
        PlateauDetector detector = detector(Mode.MIN, 1e-4, ThresholdMode.REL, 0, 1);
        PlateauState state = detector.evaluate(detector.initialState(), 1, 1.0).state();
        PlateauState copy =
                new PlateauState(
                        state.best(),
                        state.bestStep(),
                        state.badEvaluations(),
                        state.cooldownRemaining(),
                        state.evaluations(),
                        state.firstStep(),
                        state.lastStep(),
                        state.lastValue(),
                        state.sum(),
                        state.firings());

        PlateauEvaluation first = detector.evaluate(state, 2, 1.0);
        PlateauEvaluation second = detector.evaluate(state, 2, 1.0);

        assertThat(first).isEqualTo(second);
        assertThat(state).isEqualTo(copy);
    }

    @Test
    void refusesTheInitialStateOfTheOtherMode() {
        PlateauDetector detector = detector(Mode.MIN, 1e-4, ThresholdMode.REL, 0, 0);

        assertThatThrownBy(() -> detector.evaluate(PlateauState.initial(Mode.MAX), 1, 1.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("best = -Infinity")
                .hasMessageContaining("rule for metric 'val_loss' has mode MIN")
                .hasMessageContaining("PlateauState.initial(MIN)");
    }

    @Test
    void initialStateMatchesTorchsReset() {
        assertThat(PlateauState.initial(Mode.MIN).best()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(PlateauState.initial(Mode.MAX).best()).isEqualTo(Double.NEGATIVE_INFINITY);
        PlateauState initial = PlateauState.initial(Mode.MIN);
        assertThat(initial.badEvaluations()).isZero();
        assertThat(initial.cooldownRemaining()).isZero();
        assertThat(initial.hasEvaluations()).isFalse();
        assertThat(initial.inCooldown()).isFalse();
        assertThat(initial.mean()).isNaN();
        assertThat(initial.firstStep()).isEqualTo(PlateauState.NO_STEP);
    }
}
