package dev.graft.growth.detect;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compares {@link Smoothing} and {@link TrendDetector#leastSquaresSlope} point by point with {@code
 * detect/smoothing_values.csv}, written by the independent Python reference ({@code
 * src/test/python/smoothing_reference.py}, checked there against numpy): debiased EMA, window
 * median and the least-squares slope, within 1e-9 relative.
 */
class SmoothingGoldenTest {

    private static final String VALUES = "/detect/smoothing_values.csv";
    private static final String HEADER =
            "curve,step,value,ema_0.9,ema_0.99,median_5,median_25,slope_ema_0.9_w20";

    /** The golden rows of one curve. */
    record CurveRows(String curve, List<String[]> rows) {
        @Override
        public String toString() {
            return curve;
        }
    }

    static Stream<CurveRows> curves() {
        Map<String, List<String[]>> byCurve = new LinkedHashMap<>();
        for (String[] row : GoldenFiles.rows(VALUES, HEADER)) {
            byCurve.computeIfAbsent(row[0], k -> new ArrayList<>()).add(row);
        }
        return byCurve.entrySet().stream().map(e -> new CurveRows(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("curves")
    void smoothedValuesAndSlopesMatchTheReference(CurveRows golden) {
        List<TestCurves.Point> points = TestCurves.read(golden.curve());
        assertThat(points).hasSameSizeAs(golden.rows());
        Smoothing[] smoothings = {
            Smoothing.ema(0.9), Smoothing.ema(0.99), Smoothing.median(5), Smoothing.median(25)
        };
        SmoothingState[] states = new SmoothingState[smoothings.length];
        for (int k = 0; k < smoothings.length; k++) {
            states[k] = smoothings[k].initialState();
        }
        List<Long> windowSteps = new ArrayList<>();
        List<Double> windowValues = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            TestCurves.Point point = points.get(i);
            String[] row = golden.rows().get(i);
            String where = golden.curve() + " step " + point.step();
            assertThat(Long.parseLong(row[1])).as(where).isEqualTo(point.step());
            if (!Double.isFinite(point.value())) {
                continue; // the reference writes nan: nothing is smoothed
            }
            for (int k = 0; k < smoothings.length; k++) {
                states[k] = smoothings[k].update(states[k], point.value());
                double expected = TestCurves.parseValue(row[3 + k]);
                assertThat(GoldenFiles.close(states[k].smoothed(), expected))
                        .as(
                                where
                                        + " "
                                        + smoothings[k]
                                        + ": "
                                        + states[k].smoothed()
                                        + " vs "
                                        + expected)
                        .isTrue();
            }
            windowSteps.add(point.step());
            windowValues.add(states[0].smoothed());
            if (windowSteps.size() > 20) {
                windowSteps.remove(0);
                windowValues.remove(0);
            }
            double expectedSlope = TestCurves.parseValue(row[7]);
            double slope =
                    windowSteps.size() < 20
                            ? Double.NaN
                            : TrendDetector.leastSquaresSlope(
                                    windowSteps.stream().mapToLong(Long::longValue).toArray(),
                                    windowValues.stream()
                                            .mapToDouble(Double::doubleValue)
                                            .toArray());
            assertThat(GoldenFiles.close(slope, expectedSlope))
                    .as(where + " slope: " + slope + " vs " + expectedSlope)
                    .isTrue();
        }
    }

    @Test
    void valuesFileCoversRealAndSyntheticCurves() {
        assertThat(curves().map(CurveRows::curve))
                .contains(
                        "16_paramgolf_4h.csv",
                        "19_mingpt_chargpt_english.csv",
                        "synthetic/spike_and_nan.csv",
                        "synthetic/linear_then_flat.csv");
    }
}
