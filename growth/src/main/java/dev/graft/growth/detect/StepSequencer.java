package dev.graft.growth.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Puts one (run, generation)'s values back in step order and drops duplicate deliveries, before any
 * detector sees them. Pure: {@link SequencerState} is passed in and returned; time is supplied by
 * the caller.
 *
 * <h2>Semantics</h2>
 *
 * A value is buffered and released lowest step first, when one of these holds:
 *
 * <ol>
 *   <li>the buffer would hold more than {@code maxBuffered} values (the record bound);
 *   <li>a value arrives whose wall time (the run's own clock, {@code wall_time_ms}) is at least
 *       {@code maxDelayMillis} newer than the buffered value's (the time bound, like an event-time
 *       watermark per run: it depends only on the data, never on how fast or loaded the job is);
 *   <li>the run has sent nothing for {@code maxDelayMillis} of processing time ({@link
 *       #releaseDue}): a run that pauses or stops gets its last values evaluated.
 * </ol>
 *
 * So a value that arrives at most {@code maxBuffered} records, or {@code maxDelayMillis} of the
 * run's clock, after a higher step is put back in its place, whatever the job's speed; only a run
 * that goes quiet mid-reorder, for longer than {@code maxDelayMillis}, has its buffer released by
 * processing time. Then, per offered value:
 *
 * <ul>
 *   <li>its step equals a buffered step, the last released step or one of the recently released
 *       ones: {@link Verdict#DUPLICATE} (a redelivery), ignored;
 *   <li>its step is below the last released step: {@link Verdict#LATE}, not used: it came later
 *       than the bound allows, or the trainer rewound its steps without starting a new generation;
 *   <li>otherwise {@link Verdict#ACCEPTED}.
 * </ul>
 *
 * With {@code maxBuffered = 0} nothing is reordered: every value is released at once and any step
 * below the last one is LATE.
 *
 * <pre>{@code
 * StepSequencer seq = new StepSequencer(2, 5_000);
 * SequencerState s = seq.initialState();
 * s = seq.offer(s, 10, t, 1.0, now).state();   // buffered
 * s = seq.offer(s, 9, t, 1.1, now).state();    // buffered: 9, 10
 * var r = seq.offer(s, 11, t, 0.9, now);       // releases 9; 10, 11 wait
 * }</pre>
 */
public final class StepSequencer {

    /** What happened to an offered value. */
    public enum Verdict {
        /** Buffered (and perhaps released). */
        ACCEPTED,
        /** Its step was already buffered or released: a redelivery, ignored. */
        DUPLICATE,
        /** Its step is below the last released step: too late, or a rewind. Not used. */
        LATE
    }

    /**
     * The result of {@link #offer}, {@link #releaseDue} or {@link #flush}.
     *
     * @param state the state to keep
     * @param verdict what happened to the offered value ({@code ACCEPTED} for releases)
     * @param released values released, in ascending step order
     */
    public record Result(SequencerState state, Verdict verdict, List<MetricPoint> released) {
        /** Copies the list. */
        public Result {
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(verdict, "verdict");
            released = List.copyOf(released);
        }
    }

    private final int maxBuffered;
    private final long maxDelayMillis;
    private final int recentSlots;

    /**
     * @param maxBuffered values held back for reordering, {@code >= 0}
     * @param maxDelayMillis how long the oldest buffered value may wait, {@code >= 0}
     */
    public StepSequencer(int maxBuffered, long maxDelayMillis) {
        if (maxBuffered < 0 || maxDelayMillis < 0) {
            throw new IllegalArgumentException(
                    "StepSequencer maxBuffered and maxDelayMillis must be >= 0, found "
                            + maxBuffered
                            + " and "
                            + maxDelayMillis);
        }
        this.maxBuffered = maxBuffered;
        this.maxDelayMillis = maxDelayMillis;
        this.recentSlots = Math.max(16, 2 * maxBuffered);
    }

    public int maxBuffered() {
        return maxBuffered;
    }

    public long maxDelayMillis() {
        return maxDelayMillis;
    }

    /** Nothing seen. */
    public SequencerState initialState() {
        int slots = maxBuffered + 1;
        return new SequencerState(
                Evidence.NO_STEP,
                new long[recentSlots],
                0,
                0,
                new long[slots],
                new long[slots],
                new double[slots],
                0,
                MetricPoint.NO_TIME);
    }

    /**
     * Offers one value.
     *
     * @param wallTimeMillis the value's time on the run's clock ({@link MetricPoint#NO_TIME} when
     *     unknown: then only the record bound and quiet runs release it)
     * @param nowMillis the processing time now (the run's last arrival, for {@link #releaseDue})
     */
    public Result offer(
            SequencerState state, long step, long wallTimeMillis, double value, long nowMillis) {
        Objects.requireNonNull(state, "state");
        if (isKnown(state, step)) {
            return new Result(state, Verdict.DUPLICATE, List.of());
        }
        if (state.lastStep() != Evidence.NO_STEP && step < state.lastStep()) {
            return new Result(state, Verdict.LATE, List.of());
        }
        long[] steps = state.steps();
        long[] walls = state.wallTimes();
        double[] values = state.values();
        int size = state.size();
        int at = size;
        while (at > 0 && steps[at - 1] > step) {
            steps[at] = steps[at - 1];
            walls[at] = walls[at - 1];
            values[at] = values[at - 1];
            at--;
        }
        steps[at] = step;
        walls[at] = wallTimeMillis;
        values[at] = value;
        size++;
        int count = Math.max(0, size - maxBuffered);
        if (wallTimeMillis != MetricPoint.NO_TIME) {
            // The time bound, on the run's clock: everything up to the highest step that is at
            // least maxDelay older than the newest value goes.
            for (int i = size - 1; i >= count; i--) {
                if (walls[i] != MetricPoint.NO_TIME
                        && walls[i] <= wallTimeMillis - maxDelayMillis) {
                    count = i + 1;
                    break;
                }
            }
        }
        return release(state, steps, walls, values, size, nowMillis, count);
    }

    /**
     * Releases everything buffered if the run has sent nothing for {@code maxDelayMillis} of
     * processing time (its last arrival is {@link SequencerState#lastArrivalMillis}).
     */
    public Result releaseDue(SequencerState state, long nowMillis) {
        if (state.size() > 0 && nowMillis - state.lastArrivalMillis() >= maxDelayMillis) {
            return flush(state);
        }
        return new Result(state, Verdict.ACCEPTED, List.of());
    }

    /** Releases everything buffered (the run went quiet or idle, or a new generation starts). */
    public Result flush(SequencerState state) {
        return release(
                state,
                state.steps(),
                state.wallTimes(),
                state.values(),
                state.size(),
                state.lastArrivalMillis(),
                state.size());
    }

    /**
     * When {@link #releaseDue} will release if nothing else arrives, or {@link MetricPoint#NO_TIME}
     * when the buffer is empty.
     */
    public long deadlineMillis(SequencerState state) {
        return state.size() == 0 ? MetricPoint.NO_TIME : state.lastArrivalMillis() + maxDelayMillis;
    }

    private Result release(
            SequencerState state,
            long[] steps,
            long[] walls,
            double[] values,
            int size,
            long lastArrival,
            int count) {
        count = Math.max(0, Math.min(count, size));
        // One value is the common case (a full buffer releases its lowest): no list copying.
        List<MetricPoint> released = count <= 1 ? null : new ArrayList<>(count);
        MetricPoint single = null;
        long[] recent = state.recent();
        int recentSize = state.recentSize();
        int recentNext = state.recentNext();
        long last = state.lastStep();
        for (int i = 0; i < count; i++) {
            MetricPoint point = new MetricPoint(steps[i], values[i], walls[i]);
            if (released == null) {
                single = point;
            } else {
                released.add(point);
            }
            last = steps[i];
            recent[recentNext] = last;
            recentNext = (recentNext + 1) % recent.length;
            recentSize = Math.min(recentSize + 1, recent.length);
        }
        if (count > 0) {
            System.arraycopy(steps, count, steps, 0, size - count);
            System.arraycopy(walls, count, walls, 0, size - count);
            System.arraycopy(values, count, values, 0, size - count);
            size -= count;
        }
        return new Result(
                new SequencerState(
                        last,
                        recent,
                        recentSize,
                        recentNext,
                        steps,
                        walls,
                        values,
                        size,
                        size == 0 ? MetricPoint.NO_TIME : lastArrival),
                Verdict.ACCEPTED,
                released != null ? released : single == null ? List.of() : List.of(single));
    }

    private static boolean isKnown(SequencerState state, long step) {
        if (step == state.lastStep()) {
            return true;
        }
        long[] steps = state.steps();
        for (int i = 0; i < state.size(); i++) {
            if (steps[i] == step) {
                return true;
            }
        }
        long[] recent = state.recent();
        for (int i = 0; i < state.recentSize(); i++) {
            if (recent[i] == step) {
                return true;
            }
        }
        return false;
    }
}
