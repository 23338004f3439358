package dev.graft.growth.detect;

import java.util.Objects;

/**
 * Everything a {@link RunDetector} applies to one run's metric: the growth detector chosen by
 * {@link DetectionMode}, an optional divergence rule and the gate.
 *
 * <pre>{@code
 * RunDetectorRule rule = new RunDetectorRule(
 *         PlateauRule.pytorchDefaults("loss"), DetectionMode.EMA, 0.9, 25, 50, 1000,
 *         new DivergenceRule("loss", 3.0, Smoothing.ema(0.9), 20, 0),
 *         new GateRule(2_000, 0, 5_000, 1_000));
 * }</pre>
 *
 * @param plateau metric, mode, threshold, patience and cooldown; TREND reads its threshold as the
 *     relative improvement over the horizon and ignores the threshold mode
 * @param mode which growth detector runs
 * @param emaWeight EMA weight for EMA and TREND, in {@code [0, 1)}
 * @param medianWindow window of MEDIAN, in values, {@code >= 1}
 * @param trendWindowPoints values the TREND line is fitted to, {@code >= 2}
 * @param trendHorizonSteps steps the TREND slope is projected over, {@code >= 1}
 * @param divergence the divergence rule, or {@code null} for none
 * @param gate warm-up, minimum steps per generation and cooldown after an action
 */
public record RunDetectorRule(
        PlateauRule plateau,
        DetectionMode mode,
        double emaWeight,
        int medianWindow,
        int trendWindowPoints,
        long trendHorizonSteps,
        DivergenceRule divergence,
        GateRule gate)
        implements java.io.Serializable {

    /**
     * Validates the settings by building the detectors once.
     *
     * @throws IllegalArgumentException naming the setting and the value found
     */
    public RunDetectorRule {
        Objects.requireNonNull(plateau, "plateau");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(gate, "gate");
        if (divergence != null && !divergence.metric().equals(plateau.metric())) {
            throw new IllegalArgumentException(
                    "divergence watches '"
                            + divergence.metric()
                            + "' but the growth detector watches '"
                            + plateau.metric()
                            + "'; one run detector watches one metric");
        }
        smoothing(mode, emaWeight, medianWindow);
        if (mode == DetectionMode.TREND) {
            trendRule(plateau, emaWeight, trendWindowPoints, trendHorizonSteps);
        }
    }

    /** PyTorch's rule, no smoothing, no divergence, an open gate. */
    public static RunDetectorRule rlrop(PlateauRule plateau) {
        return new RunDetectorRule(
                plateau, DetectionMode.RLROP, 0.9, 25, 50, 1000, null, GateRule.open());
    }

    /** The metric watched. */
    public String metric() {
        return plateau.metric();
    }

    /** The smoothing the mode applies before the plateau rule (NONE for RLROP). */
    public Smoothing smoothing() {
        return smoothing(mode, emaWeight, medianWindow);
    }

    /** The trend rule (TREND mode only). */
    public TrendRule trendRule() {
        return trendRule(plateau, emaWeight, trendWindowPoints, trendHorizonSteps);
    }

    private static Smoothing smoothing(DetectionMode mode, double emaWeight, int medianWindow) {
        return switch (mode) {
            case RLROP -> Smoothing.none();
            case EMA, TREND -> Smoothing.ema(emaWeight);
            case MEDIAN -> Smoothing.median(medianWindow);
        };
    }

    private static TrendRule trendRule(
            PlateauRule plateau, double emaWeight, int windowPoints, long horizonSteps) {
        return new TrendRule(
                plateau.metric(),
                plateau.mode(),
                Smoothing.ema(emaWeight),
                windowPoints,
                horizonSteps,
                plateau.threshold(),
                plateau.patience(),
                plateau.cooldown());
    }
}
