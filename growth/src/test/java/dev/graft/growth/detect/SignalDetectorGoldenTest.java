package dev.graft.growth.detect;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replays every curve and configuration of {@code detect/smoothing_golden.csv} through {@link
 * SmoothedPlateauDetector}, {@link TrendDetector} and {@link DivergenceDetector} and compares the
 * firing steps (exactly) and the evidence at each firing (within 1e-9 relative) with the
 * independent Python reference that wrote the file ({@code src/test/python/smoothing_reference.py};
 * rerun it after changing a curve or {@code smoothing_configs.csv}).
 */
class SignalDetectorGoldenTest {

    private static final String GOLDEN = "/detect/smoothing_golden.csv";
    private static final String HEADER =
            "detector,curve,metric,params,firing_steps,firing_smoothed,firing_slope,firing_improvement";

    /** One row of the golden file. */
    record Case(
            String detector,
            String curve,
            String metric,
            String params,
            List<Long> steps,
            List<Double> smoothed,
            List<Double> slope,
            List<Double> improvement) {
        @Override
        public String toString() {
            return detector + " " + curve + " " + metric + " " + params;
        }
    }

    static Stream<Case> goldenCases() {
        return GoldenFiles.rows(GOLDEN, HEADER).stream()
                .map(
                        c ->
                                new Case(
                                        c[0],
                                        c[1],
                                        c[2],
                                        c[3],
                                        GoldenFiles.longs(c[4]),
                                        GoldenFiles.doubles(c[5]),
                                        GoldenFiles.doubles(c[6]),
                                        GoldenFiles.doubles(c[7])));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void firesAtTheGoldenStepsWithTheGoldenEvidence(Case golden) {
        SignalDetector<?> detector = detector(golden.detector(), golden.metric(), golden.params());

        List<Signal> signals = replay(detector, golden.curve());

        assertThat(signals)
                .extracting(Signal::step)
                .as(golden.toString())
                .isEqualTo(golden.steps());
        for (int i = 0; i < signals.size(); i++) {
            Evidence e = signals.get(i).evidence();
            String where = golden + " firing at " + signals.get(i).step();
            assertThat(GoldenFiles.close(e.smoothed(), golden.smoothed().get(i)))
                    .as(where + " smoothed " + e.smoothed() + " vs " + golden.smoothed().get(i))
                    .isTrue();
            assertThat(GoldenFiles.close(e.slope(), golden.slope().get(i)))
                    .as(where + " slope " + e.slope() + " vs " + golden.slope().get(i))
                    .isTrue();
            assertThat(GoldenFiles.close(e.projectedImprovement(), golden.improvement().get(i)))
                    .as(where + " improvement")
                    .isTrue();
        }
    }

    @Test
    void goldenFileCoversEveryDetectorAndFiresOften() {
        List<Case> cases = goldenCases().toList();

        assertThat(cases).extracting(Case::detector).contains("plateau", "trend", "divergence");
        assertThat(cases)
                .extracting(Case::curve)
                .contains("14_modded_nanogpt_1b_spiky.csv", "synthetic/spike_and_nan.csv");
        // A golden file where nothing fires would pass vacuously.
        assertThat(cases.stream().filter(c -> !c.steps().isEmpty()).count())
                .isGreaterThan(cases.size() / 3);
    }

    @Test
    void withoutSmoothingThePlateauDetectorAgreesWithThePyTorchGolden() {
        Case golden =
                goldenCases()
                        .filter(c -> c.detector().equals("plateau"))
                        .filter(c -> c.curve().equals("16_paramgolf_4h.csv"))
                        .filter(c -> c.params().contains("smoothing=none"))
                        .findFirst()
                        .orElseThrow();
        PlateauDetector plain = new PlateauDetector(PlateauRule.pytorchDefaults("loss"));
        PlateauState state = plain.initialState();
        List<Long> steps = new ArrayList<>();
        for (TestCurves.Point p : TestCurves.read("16_paramgolf_4h.csv")) {
            PlateauEvaluation e = plain.evaluate(state, p.step(), p.value());
            state = e.state();
            e.firing().ifPresent(f -> steps.add(f.step()));
        }

        assertThat(golden.steps()).isNotEmpty().isEqualTo(steps);
    }

    static SignalDetector<?> detector(String kind, String metric, String paramText) {
        Map<String, String> p = GoldenFiles.params(paramText);
        Smoothing smoothing = Smoothing.parse(p.get("smoothing"));
        return switch (kind) {
            case "plateau" ->
                    new SmoothedPlateauDetector(
                            new PlateauRule(
                                    metric,
                                    Mode.parse(p.get("mode")),
                                    Double.parseDouble(p.get("threshold")),
                                    ThresholdMode.parse(p.get("threshold_mode")),
                                    Integer.parseInt(p.get("patience")),
                                    Integer.parseInt(p.get("cooldown"))),
                            smoothing);
            case "trend" ->
                    new TrendDetector(
                            new TrendRule(
                                    metric,
                                    Mode.parse(p.get("mode")),
                                    smoothing,
                                    Integer.parseInt(p.get("window")),
                                    Long.parseLong(p.get("horizon")),
                                    Double.parseDouble(p.get("threshold")),
                                    Integer.parseInt(p.get("patience")),
                                    Integer.parseInt(p.get("cooldown"))));
            case "divergence" ->
                    new DivergenceDetector(
                            new DivergenceRule(
                                    metric,
                                    TestCurves.parseValue(p.get("spike")),
                                    smoothing,
                                    Integer.parseInt(p.get("warmup")),
                                    Integer.parseInt(p.get("cooldown"))));
            default -> throw new IllegalArgumentException("unknown detector " + kind);
        };
    }

    static List<Signal> replay(SignalDetector<?> detector, String curve) {
        return replayTyped(detector, curve);
    }

    private static <S> List<Signal> replayTyped(SignalDetector<S> detector, String curve) {
        List<TestCurves.Point> points =
                TestCurves.metric(TestCurves.read(curve), detector.metric());
        S state = detector.initialState();
        List<Signal> signals = new ArrayList<>();
        for (TestCurves.Point point : points) {
            SignalEvaluation<S> e = detector.evaluate(state, point.step(), point.value());
            state = e.state();
            e.signal().ifPresent(signals::add);
        }
        return signals;
    }
}
