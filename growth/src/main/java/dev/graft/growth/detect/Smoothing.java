package dev.graft.growth.detect;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * How a detector smooths a noisy metric before comparing it: not at all, with TensorBoard's
 * debiased exponential moving average, or with the median of a window of recent values.
 *
 * <pre>{@code
 * Smoothing ema = Smoothing.ema(0.9);       // TensorBoard's slider at 0.9
 * Smoothing median = Smoothing.median(25);  // median of the last 25 finite values
 * SmoothingState s = ema.initialState();
 * s = ema.update(s, 2.0);                   // s.smoothed() == 2.0 (debiased: no pull towards 0)
 * s = ema.update(s, 1.0);                   // (0.9*0.1*2 + 0.1*1) / (1 - 0.81) = 1.4736...
 * }</pre>
 *
 * <h2>Debiased EMA (TensorBoard, W&amp;B)</h2>
 *
 * With weight {@code a} and the {@code n}-th finite value {@code x}: {@code biased = a * biased +
 * (1 - a) * x} (starting from 0), {@code smoothed = biased / (1 - a^n)}. Without the division the
 * first values would be pulled towards 0; with it the first smoothed value is the first value.
 * {@code a^n} is kept as a running product ({@code power = power * a}), not recomputed with {@code
 * pow}, so the arithmetic is the same in every language that does IEEE 754 doubles.
 *
 * <h2>Window median</h2>
 *
 * The median of the last {@code window} finite values, the newest included (fewer at the start);
 * for an even count the mean of the two middle values, {@code (a + b) / 2}, as numpy's {@code
 * median}. Robust to isolated spikes in a way an average is not.
 *
 * <p>Non-finite values are never smoothed: {@link #update} rejects them and detectors skip them
 * (divergence is its own signal).
 *
 * @param kind none, EMA or window median
 * @param emaWeight the EMA weight {@code a} in {@code [0, 1)}; 0 unless {@code kind} is EMA
 * @param window the median window in values, {@code >= 1}; 0 unless {@code kind} is MEDIAN
 */
public record Smoothing(Kind kind, double emaWeight, int window) implements java.io.Serializable {

    /** The smoothing methods. */
    public enum Kind {
        /** The raw value. */
        NONE,
        /** TensorBoard's debiased exponential moving average. */
        EMA,
        /** The median of a window of recent values. */
        MEDIAN
    }

    /**
     * Validates the parameters of the kind.
     *
     * @throws IllegalArgumentException naming the parameter, the value found and the range allowed
     */
    public Smoothing {
        Objects.requireNonNull(kind, "Smoothing kind must be NONE, EMA or MEDIAN, found null");
        switch (kind) {
            case NONE -> {
                if (emaWeight != 0 || window != 0) {
                    throw new IllegalArgumentException(
                            "Smoothing NONE takes no parameters, found emaWeight "
                                    + emaWeight
                                    + " and window "
                                    + window
                                    + ": use Smoothing.none()");
                }
            }
            case EMA -> {
                if (!(emaWeight >= 0 && emaWeight < 1) || window != 0) {
                    throw new IllegalArgumentException(
                            "Smoothing EMA weight must be in [0, 1) (TensorBoard's slider; 0.9 and"
                                    + " 0.99 are common), found "
                                    + emaWeight
                                    + (window != 0 ? " with window " + window : ""));
                }
            }
            case MEDIAN -> {
                if (window < 1 || emaWeight != 0) {
                    throw new IllegalArgumentException(
                            "Smoothing MEDIAN window must be >= 1 values, found "
                                    + window
                                    + (emaWeight != 0 ? " with emaWeight " + emaWeight : ""));
                }
            }
        }
    }

    /** The raw value, unsmoothed. */
    public static Smoothing none() {
        return new Smoothing(Kind.NONE, 0, 0);
    }

    /** TensorBoard's debiased EMA with weight {@code weight} in {@code [0, 1)}. */
    public static Smoothing ema(double weight) {
        return new Smoothing(Kind.EMA, weight, 0);
    }

    /** The median of the last {@code window} finite values. */
    public static Smoothing median(int window) {
        return new Smoothing(Kind.MEDIAN, 0, window);
    }

    /**
     * Parses {@code none}, {@code ema:0.9} or {@code median:25} (the form {@link #toString()}
     * writes).
     *
     * @throws IllegalArgumentException naming the text found and the forms allowed
     */
    public static Smoothing parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.equals("none")) {
                return none();
            } else if (t.startsWith("ema:")) {
                return ema(Double.parseDouble(t.substring(4)));
            } else if (t.startsWith("median:")) {
                return median(Integer.parseInt(t.substring(7)));
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(
                "smoothing must be 'none', 'ema:<weight in [0,1)>' or 'median:<window>', found "
                        + (text == null ? "null" : "'" + text + "'"));
    }

    /** The state before any value. */
    public SmoothingState initialState() {
        return new SmoothingState(
                0, 0.0, 1.0, new double[kind == Kind.MEDIAN ? window : 0], 0, 0, Double.NaN);
    }

    /**
     * Adds one finite value.
     *
     * @throws IllegalArgumentException if {@code value} is NaN or infinite, or {@code state} was
     *     made by another window size
     */
    public SmoothingState update(SmoothingState state, double value) {
        Objects.requireNonNull(state, "state");
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(
                    "Smoothing.update takes finite values only (detectors skip NaN and infinities),"
                            + " found "
                            + value);
        }
        long count = state.count() + 1;
        return switch (kind) {
            case NONE -> new SmoothingState(count, 0.0, 1.0, SmoothingState.NO_WINDOW, 0, 0, value);
            case EMA -> {
                double biased = emaWeight * state.emaBiased() + (1 - emaWeight) * value;
                double power = state.emaWeightPower() * emaWeight;
                yield new SmoothingState(
                        count, biased, power, SmoothingState.NO_WINDOW, 0, 0, biased / (1 - power));
            }
            case MEDIAN -> {
                double[] recent = state.recent();
                if (recent.length != window) {
                    throw new IllegalArgumentException(
                            "SmoothingState holds a window of "
                                    + recent.length
                                    + " values but this Smoothing's window is "
                                    + window
                                    + ": start from this Smoothing's initialState()");
                }
                recent[state.recentNext()] = value;
                int size = Math.min(state.recentSize() + 1, window);
                // The ring fills from slot 0, so the first `size` slots hold the values.
                double[] sorted = Arrays.copyOf(recent, size);
                Arrays.sort(sorted);
                double median =
                        size % 2 == 1
                                ? sorted[size / 2]
                                : (sorted[size / 2 - 1] + sorted[size / 2]) / 2;
                yield new SmoothingState(
                        count, 0.0, 1.0, recent, size, (state.recentNext() + 1) % window, median);
            }
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "none";
            case EMA -> "ema:" + emaWeight;
            case MEDIAN -> "median:" + window;
        };
    }
}
