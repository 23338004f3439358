package dev.graft.growth.detect;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replays every curve and rule of {@code detect/plateau_golden.csv} through {@link PlateauDetector}
 * and compares the firing steps with those of the independent Python transcription of PyTorch's
 * ReduceLROnPlateau that wrote the file ({@code src/test/python/plateau_reference.py}; rerun it
 * after changing a curve or {@code plateau_configs.csv}).
 */
class PlateauDetectorGoldenTest {

    private static final String GOLDEN = "/detect/plateau_golden.csv";
    private static final String FORMAT_LINE = "# format: 1";
    private static final String HEADER =
            "curve,metric,mode,threshold,threshold_mode,patience,cooldown,firing_steps";

    /** One row of the golden file. */
    record Case(String curve, PlateauRule rule, List<Long> firingSteps) {
        @Override
        public String toString() {
            return curve
                    + " "
                    + rule.metric()
                    + " mode="
                    + rule.mode().pytorchName()
                    + " threshold="
                    + rule.threshold()
                    + " "
                    + rule.thresholdMode().pytorchName()
                    + " patience="
                    + rule.patience()
                    + " cooldown="
                    + rule.cooldown();
        }
    }

    static Stream<Case> goldenCases() throws IOException {
        return readGolden().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void firesAtTheGoldenSteps(Case golden) {
        PlateauDetector detector = new PlateauDetector(golden.rule());

        List<Long> firingSteps = replay(detector, golden.curve());

        assertThat(firingSteps).as(golden.toString()).isEqualTo(golden.firingSteps());
    }

    @Test
    void goldenFileCoversEveryCurveAndTheRequiredRules() throws IOException {
        List<Case> cases = readGolden();

        assertThat(cases).hasSizeGreaterThanOrEqualTo(100);
        assertThat(cases)
                .extracting(Case::curve)
                .contains(
                        "16_paramgolf_4h.csv",
                        "19_mingpt_chargpt_english.csv",
                        "27_keras_speaker250_eval.csv",
                        "01_hf_whisper_ja.csv",
                        "synthetic/non_finite.csv");
        assertThat(cases)
                .extracting(Case::rule)
                .contains(
                        PlateauRule.pytorchDefaults("loss"),
                        new PlateauRule("loss", Mode.MIN, 1e-4, ThresholdMode.REL, 0, 0),
                        new PlateauRule("loss", Mode.MIN, 1e-4, ThresholdMode.REL, 5, 3),
                        new PlateauRule("loss", Mode.MIN, 1e-3, ThresholdMode.ABS, 5, 0),
                        new PlateauRule("neg_loss", Mode.MAX, 1e-4, ThresholdMode.REL, 10, 0));
        // A golden file where nothing fires would pass vacuously.
        assertThat(cases.stream().filter(c -> !c.firingSteps().isEmpty()).count())
                .isGreaterThan(cases.size() / 2);
    }

    /**
     * The Kafka/Flink integration test replays this curve and expects this first firing; the step
     * comes from the Python reference, pinned here so a change to either side is noticed.
     */
    @Test
    void paramGolfCurveWithOnePercentRelativeThresholdFirstFiresAtStep8800() throws IOException {
        PlateauRule rule = new PlateauRule("loss", Mode.MIN, 0.01, ThresholdMode.REL, 20, 0);
        Case golden =
                readGolden().stream()
                        .filter(c -> c.curve().equals("16_paramgolf_4h.csv"))
                        .filter(c -> c.rule().equals(rule))
                        .findFirst()
                        .orElseThrow();

        assertThat(golden.firingSteps()).first().isEqualTo(8800L);
        assertThat(replay(new PlateauDetector(rule), "16_paramgolf_4h.csv"))
                .first()
                .isEqualTo(8800L);
    }

    @Test
    void paramGolfCurveHasStrictlyIncreasingStepsAndNoNonFiniteValues() {
        List<TestCurves.Point> points = TestCurves.read("16_paramgolf_4h.csv");

        assertThat(points).hasSize(1657);
        assertThat(points).extracting(TestCurves.Point::step).isSorted().doesNotHaveDuplicates();
        assertThat(points).allMatch(p -> Double.isFinite(p.value()));
    }

    private static List<Long> replay(PlateauDetector detector, String curve) {
        List<TestCurves.Point> points =
                TestCurves.metric(TestCurves.read(curve), detector.rule().metric());
        PlateauState state = detector.initialState();
        List<Long> firingSteps = new ArrayList<>();
        for (TestCurves.Point point : points) {
            PlateauEvaluation evaluation = detector.evaluate(state, point.step(), point.value());
            state = evaluation.state();
            evaluation.firing().ifPresent(firing -> firingSteps.add(firing.step()));
        }
        assertThat(state.firings()).isEqualTo(firingSteps.size());
        return firingSteps;
    }

    private static List<Case> readGolden() throws IOException {
        List<Case> cases = new ArrayList<>();
        try (InputStream in = PlateauDetectorGoldenTest.class.getResourceAsStream(GOLDEN)) {
            assertThat(in).as("test resource " + GOLDEN).isNotNull();
            BufferedReader reader =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            assertThat(reader.readLine()).as(GOLDEN + " format").isEqualTo(FORMAT_LINE);
            String line;
            boolean headerSeen = false;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("#")) {
                    continue;
                }
                if (!headerSeen) {
                    assertThat(line).as(GOLDEN + " header").isEqualTo(HEADER);
                    headerSeen = true;
                    continue;
                }
                String[] cells = line.split(",", -1);
                assertThat(cells).as(GOLDEN + " row " + line).hasSize(8);
                PlateauRule rule =
                        new PlateauRule(
                                cells[1],
                                Mode.parse(cells[2]),
                                Double.parseDouble(cells[3]),
                                ThresholdMode.parse(cells[4]),
                                Integer.parseInt(cells[5]),
                                Integer.parseInt(cells[6]));
                List<Long> steps =
                        cells[7].isEmpty()
                                ? List.of()
                                : Arrays.stream(cells[7].split(" ")).map(Long::valueOf).toList();
                cases.add(new Case(cells[0], rule, steps));
            }
        }
        return cases;
    }
}
