package dev.graft.growth.detect;

import java.io.Serializable;
import java.util.Objects;

/**
 * The settings of one plateau rule, with the meaning and defaults of PyTorch's {@code
 * torch.optim.lr_scheduler.ReduceLROnPlateau} (minus the learning-rate arithmetic: {@code factor},
 * {@code min_lr} and {@code eps} belong to what a trainer does when the rule fires).
 *
 * <p>Equivalent to {@code ReduceLROnPlateau(optimizer, mode, patience=patience,
 * threshold=threshold, threshold_mode=thresholdMode, cooldown=cooldown)} watching {@code metric}:
 *
 * <pre>{@code
 * // torch: ReduceLROnPlateau(opt, mode="min", patience=20, threshold=0.01, threshold_mode="rel")
 * PlateauRule rule = new PlateauRule("loss", Mode.MIN, 0.01, ThresholdMode.REL, 20, 0);
 * }</pre>
 *
 * @param metric the name of the metric watched (for example {@code "loss"} or {@code "val_loss"});
 *     not blank
 * @param mode whether lower ({@link Mode#MIN}) or higher ({@link Mode#MAX}) is better
 * @param threshold how much a value must beat the best so far to count as an improvement, relative
 *     or absolute according to {@code thresholdMode}; finite and {@code >= 0}
 * @param thresholdMode whether {@code threshold} is relative to the best value ({@link
 *     ThresholdMode#REL}) or absolute ({@link ThresholdMode#ABS})
 * @param patience how many consecutive evaluations without improvement are tolerated; the rule
 *     fires on the {@code (patience + 1)}-th. {@code >= 0}
 * @param cooldown how many evaluations after a firing are not counted as bad (an improvement during
 *     cooldown still updates the best value). {@code >= 0}
 */
public record PlateauRule(
        String metric,
        Mode mode,
        double threshold,
        ThresholdMode thresholdMode,
        int patience,
        int cooldown)
        implements Serializable {

    /** PyTorch's default {@code threshold}. */
    public static final double PYTORCH_DEFAULT_THRESHOLD = 1e-4;

    /** PyTorch's default {@code patience}. */
    public static final int PYTORCH_DEFAULT_PATIENCE = 10;

    /** PyTorch's default {@code cooldown}. */
    public static final int PYTORCH_DEFAULT_COOLDOWN = 0;

    /**
     * Validates every setting.
     *
     * @throws IllegalArgumentException naming the setting, the value found and the range allowed
     * @throws NullPointerException if {@code mode} or {@code thresholdMode} is null
     */
    public PlateauRule {
        if (metric == null || metric.isBlank()) {
            throw new IllegalArgumentException(
                    "PlateauRule metric must be a non-blank metric name, found "
                            + (metric == null ? "null" : "'" + metric + "'"));
        }
        Objects.requireNonNull(mode, "PlateauRule mode must be MIN or MAX, found null");
        Objects.requireNonNull(
                thresholdMode, "PlateauRule thresholdMode must be REL or ABS, found null");
        if (!Double.isFinite(threshold) || threshold < 0) {
            throw new IllegalArgumentException(
                    "PlateauRule threshold must be finite and >= 0 (PyTorch's default is 1e-4),"
                            + " found "
                            + threshold
                            + " for metric '"
                            + metric
                            + "'");
        }
        if (patience < 0) {
            throw new IllegalArgumentException(
                    "PlateauRule patience must be >= 0 (evaluations without improvement"
                            + " tolerated before firing; PyTorch's default is 10), found "
                            + patience
                            + " for metric '"
                            + metric
                            + "'");
        }
        if (cooldown < 0) {
            throw new IllegalArgumentException(
                    "PlateauRule cooldown must be >= 0 (evaluations ignored after a firing;"
                            + " PyTorch's default is 0), found "
                            + cooldown
                            + " for metric '"
                            + metric
                            + "'");
        }
    }

    /**
     * PyTorch's defaults watching {@code metric}: {@code mode="min", threshold=1e-4,
     * threshold_mode="rel", patience=10, cooldown=0}.
     */
    public static PlateauRule pytorchDefaults(String metric) {
        return new PlateauRule(
                metric,
                Mode.MIN,
                PYTORCH_DEFAULT_THRESHOLD,
                ThresholdMode.REL,
                PYTORCH_DEFAULT_PATIENCE,
                PYTORCH_DEFAULT_COOLDOWN);
    }

    /**
     * Whether {@code value} is an improvement on {@code best}: exactly PyTorch's {@code
     * ReduceLROnPlateau._is_better}, with the same floating-point operations in the same order:
     *
     * <table>
     *   <caption>is_better(a, best)</caption>
     *   <tr><th></th><th>REL</th><th>ABS</th></tr>
     *   <tr><th>MIN</th><td>{@code a < best * (1.0 - threshold)}</td>
     *       <td>{@code a < best - threshold}</td></tr>
     *   <tr><th>MAX</th><td>{@code a > best * (threshold + 1.0)}</td>
     *       <td>{@code a > best + threshold}</td></tr>
     * </table>
     *
     * <p>The comparisons are strict: a value exactly at the threshold is not an improvement, and
     * with {@code threshold == 0} an equal value is not one either. Consequences users of PyTorch
     * meet too, kept on purpose:
     *
     * <ul>
     *   <li>In REL mode the threshold scales with {@code best}, so for negative values it moves the
     *       other way: in MAX mode {@code -1.00005} is "better" than {@code best = -1.0} with
     *       threshold 1e-4, because {@code -1.0 * 1.0001 = -1.0001}.
     *   <li>Against the initial best ({@link Mode#worst()}, an infinity) every finite value is
     *       better, except in MIN/REL with {@code threshold >= 1}, where {@code inf * (1.0 -
     *       threshold)} is NaN or {@code -inf}: nothing ever improves and the rule fires every
     *       {@code patience + 1} evaluations (outside cooldowns).
     *   <li>NaN is never better (every comparison with NaN is false). {@link PlateauDetector} does
     *       not pass non-finite values here at all.
     * </ul>
     */
    public boolean isBetter(double value, double best) {
        if (mode == Mode.MIN && thresholdMode == ThresholdMode.REL) {
            double relEpsilon = 1.0 - threshold;
            return value < best * relEpsilon;
        } else if (mode == Mode.MIN) {
            return value < best - threshold;
        } else if (thresholdMode == ThresholdMode.REL) {
            double relEpsilon = threshold + 1.0;
            return value > best * relEpsilon;
        } else {
            return value > best + threshold;
        }
    }
}
