package dev.graft.growth.detect;

import java.util.Locale;

/**
 * How a {@link PlateauRule}'s threshold is applied to the best value so far, as PyTorch's {@code
 * ReduceLROnPlateau(threshold_mode=...)}.
 */
public enum ThresholdMode {
    /**
     * Relative: a value is better if it beats {@code best * (1 - threshold)} in MIN mode or {@code
     * best * (1 + threshold)} in MAX mode.
     */
    REL("rel"),
    /**
     * Absolute: a value is better if it beats {@code best - threshold} in MIN mode or {@code best +
     * threshold} in MAX mode.
     */
    ABS("abs");

    private final String pytorchName;

    ThresholdMode(String pytorchName) {
        this.pytorchName = pytorchName;
    }

    /**
     * Parses PyTorch's spelling, {@code "rel"} or {@code "abs"} (case and surrounding blanks are
     * ignored).
     *
     * @throws IllegalArgumentException naming the value found and the values allowed
     */
    public static ThresholdMode parse(String text) {
        String key = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        for (ThresholdMode mode : values()) {
            if (mode.pytorchName.equals(key)) {
                return mode;
            }
        }
        throw new IllegalArgumentException(
                "threshold mode must be 'rel' or 'abs' (as in PyTorch ReduceLROnPlateau), found "
                        + (text == null ? "null" : "'" + text + "'"));
    }

    /** The name PyTorch uses for this threshold mode: {@code "rel"} or {@code "abs"}. */
    public String pytorchName() {
        return pytorchName;
    }
}
