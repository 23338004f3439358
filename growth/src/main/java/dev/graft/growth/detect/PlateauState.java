package dev.graft.growth.detect;

/**
 * What a {@link PlateauDetector} remembers about one (run, generation, metric) between evaluations:
 * PyTorch's {@code best}, {@code num_bad_epochs} and {@code cooldown_counter}, plus running
 * statistics that become a firing's evidence.
 *
 * <p>Immutable; {@link PlateauDetector#evaluate} returns a new state. A record of primitives, so a
 * stream processor can keep it as keyed state (Flink serializes records as POJOs) and a test can
 * compare it with {@code equals}. Start from {@link #initial(Mode)} (or {@link
 * PlateauDetector#initialState()}).
 *
 * <p>Only finite values are evaluated; the statistics below count those only. Steps are recorded,
 * not interpreted: the detector evaluates values in the order it is given them, so a caller that
 * may see steps out of order, duplicated or rewound orders and de-duplicates them first.
 *
 * @param best the best value so far (PyTorch's {@code best}); {@link Mode#worst()} before the first
 *     evaluation
 * @param bestStep the step at which {@code best} was seen; {@link #NO_STEP} before the first
 *     evaluation
 * @param badEvaluations consecutive evaluations without improvement, counted since the last
 *     improvement, firing or cooldown evaluation (PyTorch's {@code num_bad_epochs}); {@code >= 0}
 * @param cooldownRemaining evaluations left in the cooldown after the last firing (PyTorch's {@code
 *     cooldown_counter}); {@code >= 0}
 * @param evaluations the number of finite values evaluated; {@code >= 0}
 * @param firstStep the step of the first value evaluated; {@link #NO_STEP} before it
 * @param lastStep the step of the latest value evaluated; {@link #NO_STEP} before the first
 * @param lastValue the latest value evaluated; NaN before the first
 * @param sum the sum of all values evaluated (for {@link #mean()})
 * @param firings how many times the rule has fired; {@code >= 0}
 */
public record PlateauState(
        double best,
        long bestStep,
        int badEvaluations,
        int cooldownRemaining,
        long evaluations,
        long firstStep,
        long lastStep,
        double lastValue,
        double sum,
        long firings) {

    /** The step recorded where none has been evaluated yet. */
    public static final long NO_STEP = Long.MIN_VALUE;

    /**
     * Rejects counters that no sequence of evaluations can produce.
     *
     * @throws IllegalArgumentException naming the field and the value found
     */
    public PlateauState {
        requireNonNegative("badEvaluations", badEvaluations);
        requireNonNegative("cooldownRemaining", cooldownRemaining);
        requireNonNegative("evaluations", evaluations);
        requireNonNegative("firings", firings);
    }

    /**
     * The state before any evaluation: {@code best} is {@code +Infinity} for {@link Mode#MIN} and
     * {@code -Infinity} for {@link Mode#MAX} (PyTorch's {@code mode_worse}), so the first finite
     * value is always an improvement; all counters are zero.
     */
    public static PlateauState initial(Mode mode) {
        return new PlateauState(
                mode.worst(), NO_STEP, 0, 0, 0, NO_STEP, NO_STEP, Double.NaN, 0.0, 0);
    }

    /** Whether any value has been evaluated. */
    public boolean hasEvaluations() {
        return evaluations > 0;
    }

    /**
     * Whether the next evaluation falls in a cooldown (PyTorch's {@code in_cooldown}), so that it
     * cannot count as bad.
     */
    public boolean inCooldown() {
        return cooldownRemaining > 0;
    }

    /** The mean of the values evaluated; NaN before the first. */
    public double mean() {
        return evaluations == 0 ? Double.NaN : sum / evaluations;
    }

    private static void requireNonNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(
                    "PlateauState " + field + " must be >= 0, found " + value);
        }
    }
}
