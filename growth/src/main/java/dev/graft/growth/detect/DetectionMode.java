package dev.graft.growth.detect;

import java.util.Locale;

/**
 * Which growth detector a deployment runs on each run's metric.
 *
 * <ul>
 *   <li>{@link #RLROP}: PyTorch {@code ReduceLROnPlateau} exactly, on the raw values.
 *   <li>{@link #EMA}: the same rule on TensorBoard's debiased EMA of the values.
 *   <li>{@link #MEDIAN}: the same rule on the median of a window of recent values.
 *   <li>{@link #TREND}: a least-squares slope of the EMA over a window, projected over a horizon.
 * </ul>
 */
public enum DetectionMode {
    RLROP,
    EMA,
    MEDIAN,
    TREND;

    /** The lower-case name used in configuration and evidence ({@code rlrop}, {@code ema}, …). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code rlrop}, {@code ema}, {@code median} or {@code trend}, case-insensitively.
     *
     * @throws IllegalArgumentException naming the value found and the values allowed
     */
    public static DetectionMode parse(String value) {
        for (DetectionMode m : values()) {
            if (m.key().equalsIgnoreCase(value == null ? "" : value.strip())) {
                return m;
            }
        }
        throw new IllegalArgumentException(
                "detection mode must be rlrop, ema, median or trend, found '" + value + "'");
    }
}
