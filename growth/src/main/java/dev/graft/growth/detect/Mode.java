package dev.graft.growth.detect;

import java.util.Locale;

/**
 * Which direction of a metric is good, as PyTorch's {@code ReduceLROnPlateau(mode=...)}.
 *
 * <p>{@link #MIN} for losses and perplexities (lower is better), {@link #MAX} for accuracies and
 * scores (higher is better).
 */
public enum Mode {
    /** Lower is better: a plateau is when the metric has stopped decreasing. */
    MIN("min", Double.POSITIVE_INFINITY),
    /** Higher is better: a plateau is when the metric has stopped increasing. */
    MAX("max", Double.NEGATIVE_INFINITY);

    private final String pytorchName;
    private final double worst;

    Mode(String pytorchName, double worst) {
        this.pytorchName = pytorchName;
        this.worst = worst;
    }

    /**
     * Parses PyTorch's spelling, {@code "min"} or {@code "max"} (case and surrounding blanks are
     * ignored).
     *
     * @throws IllegalArgumentException naming the value found and the values allowed
     */
    public static Mode parse(String text) {
        String key = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        for (Mode mode : values()) {
            if (mode.pytorchName.equals(key)) {
                return mode;
            }
        }
        throw new IllegalArgumentException(
                "mode must be 'min' or 'max' (as in PyTorch ReduceLROnPlateau), found "
                        + (text == null ? "null" : "'" + text + "'"));
    }

    /** The name PyTorch uses for this mode: {@code "min"} or {@code "max"}. */
    public String pytorchName() {
        return pytorchName;
    }

    /**
     * The value every finite value improves on: {@code +Infinity} for MIN, {@code -Infinity} for
     * MAX (PyTorch's {@code mode_worse}, the initial {@code best}).
     */
    public double worst() {
        return worst;
    }
}
