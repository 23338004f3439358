package dev.graft.growth.detect;

/**
 * A pure detector of one kind of {@link Signal} over one metric's values, in step order. The state
 * {@code S} is an immutable record passed in and returned, so one detector serves any number of
 * (run, generation, metric) keys.
 *
 * <pre>{@code
 * SignalDetector<TrendState> detector = new TrendDetector(rule);
 * TrendState state = detector.initialState();
 * for (MetricPoint p : points) {
 *     SignalEvaluation<TrendState> e = detector.evaluate(state, p.step(), p.value());
 *     state = e.state();
 *     e.signal().ifPresent(System.out::println);
 * }
 * }</pre>
 *
 * @param <S> the state type
 */
public interface SignalDetector<S> {

    /** The metric this detector watches (for the signals it emits). */
    String metric();

    /** The state before any value. */
    S initialState();

    /**
     * Evaluates one value.
     *
     * @param state the state from the previous evaluation or {@link #initialState()}
     * @param step the step of {@code value}
     * @param value the raw value; NaN and infinities are allowed
     */
    SignalEvaluation<S> evaluate(S state, long step, double value);
}
