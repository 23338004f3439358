package dev.graft.growth.detect;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

class DetectionGateTest {

    private static final long MINUTE = 60_000L;

    @Test
    void closedDuringWarmupInStepsAndInWallTime() {
        DetectionGate gate = new DetectionGate(new GateRule(100, 10 * MINUTE, 0, 0));
        GateState s = gate.observe(GateState.initial(), 1_000, 0);

        assertThat(gate.verdict(s, 1_050, MINUTE)).isEqualTo(GateVerdict.WARMUP_STEPS);
        assertThat(gate.verdict(s, 1_100, 9 * MINUTE)).isEqualTo(GateVerdict.WARMUP_TIME);
        assertThat(gate.verdict(s, 1_100, 10 * MINUTE)).isEqualTo(GateVerdict.OPEN);
        // Without a wall time, only the step warm-up applies.
        assertThat(gate.verdict(s, 1_100, MetricPoint.NO_TIME)).isEqualTo(GateVerdict.OPEN);
    }

    @Test
    void minimumStepsPerGenerationAndCooldownAfterAnAction() {
        DetectionGate gate = new DetectionGate(new GateRule(0, 0, 500, 200));
        GateState s = gate.observe(GateState.initial(), 0, MetricPoint.NO_TIME);
        assertThat(gate.verdict(s, 499, MetricPoint.NO_TIME))
                .isEqualTo(GateVerdict.GENERATION_TOO_YOUNG);
        assertThat(gate.verdict(s, 500, MetricPoint.NO_TIME)).isEqualTo(GateVerdict.OPEN);

        s = gate.afterAction(s, 500);
        assertThat(gate.verdict(s, 699, MetricPoint.NO_TIME)).isEqualTo(GateVerdict.COOLDOWN);
        assertThat(gate.verdict(s, 700, MetricPoint.NO_TIME)).isEqualTo(GateVerdict.OPEN);

        // The grown model restarts at step 600 (a restore rewound the steps a little).
        s = gate.newGeneration(s, 600);
        assertThat(s.lastActionStep()).isEqualTo(500);
        assertThat(gate.verdict(s, 1_099, MetricPoint.NO_TIME))
                .isEqualTo(GateVerdict.GENERATION_TOO_YOUNG);
        s = gate.newGeneration(gate.afterAction(s, 1_100), 50);
        assertThat(s.lastActionStep()).as("cooldown runs from the rewind").isEqualTo(50);
    }

    @Test
    void rejectsNegativeSettings() {
        assertThatThrownBy(() -> new GateRule(0, -1, 0, 0))
                .hasMessage("GateRule warmupMillis must be >= 0 (0 disables it), found -1");
    }

    @Test
    void curveScanGatesGrowthButNotDivergenceAndStartsAGenerationOnARewind() {
        List<MetricPoint> points = new ArrayList<>();
        for (int step = 1; step <= 6; step++) {
            points.add(MetricPoint.of(step, 1.0));
        }
        points.add(MetricPoint.of(7, Double.NaN));
        for (int step = 1; step <= 4; step++) { // the trainer restarted from step 0
            points.add(MetricPoint.of(step, 1.0));
        }
        SmoothedPlateauDetector plateau =
                new SmoothedPlateauDetector(
                        new PlateauRule("loss", Mode.MIN, 0, ThresholdMode.ABS, 0, 0),
                        Smoothing.none());

        CurveScan.Result result =
                CurveScan.run(
                        points,
                        plateau,
                        Optional.of(new DivergenceDetector(DivergenceRule.nonFiniteOnly("loss"))),
                        new DetectionGate(new GateRule(3, 0, 0, 2)));

        // Plateau fires at 2..6, and at 2..4 after the rewind (fresh detector state); the
        // warm-up holds 2 and 3 back, the action at 4 holds 5 back, 6 acts. After the rewind the
        // run's warm-up still counts from step 1 (2, 3 held back) and the action moved to the
        // restart step 1, so 4 acts. Divergence at 7 is never gated.
        assertThat(result.signals())
                .extracting(Signal::step, Signal::kind)
                .containsExactly(
                        tuple(4L, SignalKind.PLATEAU),
                        tuple(6L, SignalKind.PLATEAU),
                        tuple(7L, SignalKind.DIVERGENCE),
                        tuple(4L, SignalKind.PLATEAU));
        assertThat(result.gated())
                .extracting(g -> g.signal().step(), CurveScan.GatedSignal::verdict)
                .containsExactly(
                        tuple(2L, GateVerdict.WARMUP_STEPS),
                        tuple(3L, GateVerdict.WARMUP_STEPS),
                        tuple(5L, GateVerdict.COOLDOWN),
                        tuple(2L, GateVerdict.WARMUP_STEPS),
                        tuple(3L, GateVerdict.WARMUP_STEPS));
        assertThat(result.points())
                .extracting(CurveScan.ScannedPoint::generation)
                .containsExactly(0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1);
        assertThat(result.points().get(6).smoothed()).isNaN();
    }
}
