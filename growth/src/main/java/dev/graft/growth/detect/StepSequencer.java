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
 * <p>Each operation has two forms with the same semantics: on an immutable {@link SequencerState}
 * (returns a {@link Result}), and in place on a {@link ReorderBuffer} (appends what it releases to
 * a caller's list), which a stream job keeps per run so that a value costs no allocation beyond the
 * {@link MetricPoint}s released.
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
        return newBuffer().toState();
    }

    /** Nothing seen, in the mutable form a stream job keeps per run. */
    public ReorderBuffer newBuffer() {
        return new ReorderBuffer(maxBuffered + 1, recentSlots);
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
        ReorderBuffer buffer = ReorderBuffer.of(state);
        List<MetricPoint> released = new ArrayList<>();
        Verdict verdict = offer(buffer, step, wallTimeMillis, value, nowMillis, released);
        return new Result(
                verdict == Verdict.ACCEPTED ? buffer.toState() : state, verdict, released);
    }

    /**
     * Offers one value to a buffer, changing it in place; what it releases is appended to {@code
     * released}, lowest step first. Same semantics as {@link #offer(SequencerState, long, long,
     * double, long)}.
     */
    public Verdict offer(
            ReorderBuffer buffer,
            long step,
            long wallTimeMillis,
            double value,
            long nowMillis,
            List<MetricPoint> released) {
        // Buffered steps are all above lastStep, remembered (released) ones at or below it.
        if (step == buffer.lastStep) {
            return Verdict.DUPLICATE;
        }
        if (buffer.lastStep != Evidence.NO_STEP && step < buffer.lastStep) {
            return wasReleased(buffer, step) ? Verdict.DUPLICATE : Verdict.LATE;
        }
        if (isBuffered(buffer, step)) {
            return Verdict.DUPLICATE;
        }
        buffer.ensureSlots(maxBuffered + 1);
        long[] data = buffer.data;
        int size = buffer.size;
        // Insert in step order, from the tail (an in-order value moves nothing).
        int at = size;
        while (at > 0 && data[buffer.base(at - 1)] > step) {
            System.arraycopy(
                    data, buffer.base(at - 1), data, buffer.base(at), ReorderBuffer.STRIDE);
            at--;
        }
        int slot = buffer.base(at);
        data[slot] = step;
        data[slot + 1] = wallTimeMillis;
        data[slot + 2] = Double.doubleToRawLongBits(value);
        boolean ordered =
                wallTimeMillis != MetricPoint.NO_TIME
                        && buffer.wallsOrdered
                        && (at == 0 || data[buffer.base(at - 1) + 1] <= wallTimeMillis)
                        && (at == size || wallTimeMillis <= data[buffer.base(at + 1) + 1]);
        size++;
        buffer.size = size;
        int count = Math.max(0, size - maxBuffered);
        if (wallTimeMillis != MetricPoint.NO_TIME && count < size) {
            // The time bound, on the run's clock: everything up to the highest step that is at
            // least maxDelay older than the newest value goes. With ascending wall times nothing
            // goes unless the lowest candidate does.
            long bound = wallTimeMillis - maxDelayMillis;
            if (!ordered) {
                ordered = wallsAscend(buffer);
            }
            if (!ordered || data[buffer.base(count) + 1] <= bound) {
                for (int i = size - 1; i >= count; i--) {
                    long w = data[buffer.base(i) + 1];
                    if (w != MetricPoint.NO_TIME && w <= bound) {
                        count = i + 1;
                        break;
                    }
                }
            }
        }
        buffer.wallsOrdered = ordered;
        buffer.lastArrivalMillis = nowMillis;
        release(buffer, count, released);
        return Verdict.ACCEPTED;
    }

    /** Whether every buffered wall time is known and they ascend with the steps. */
    private static boolean wallsAscend(ReorderBuffer buffer) {
        long[] data = buffer.data;
        long previous = MetricPoint.NO_TIME;
        for (int i = 0; i < buffer.size; i++) {
            long w = data[buffer.base(i) + 1];
            if (w == MetricPoint.NO_TIME || w < previous) {
                return false;
            }
            previous = w;
        }
        return true;
    }

    /**
     * Releases everything buffered if the run has sent nothing for {@code maxDelayMillis} of
     * processing time (its last arrival is {@link SequencerState#lastArrivalMillis}).
     */
    public Result releaseDue(SequencerState state, long nowMillis) {
        ReorderBuffer buffer = ReorderBuffer.of(state);
        List<MetricPoint> released = new ArrayList<>();
        releaseDue(buffer, nowMillis, released);
        return new Result(
                released.isEmpty() ? state : buffer.toState(), Verdict.ACCEPTED, released);
    }

    /** {@link #releaseDue(SequencerState, long)} in place, appending to {@code released}. */
    public void releaseDue(ReorderBuffer buffer, long nowMillis, List<MetricPoint> released) {
        if (buffer.size > 0 && nowMillis - buffer.lastArrivalMillis >= maxDelayMillis) {
            release(buffer, buffer.size, released);
        }
    }

    /** Releases everything buffered (the run went quiet or idle, or a new generation starts). */
    public Result flush(SequencerState state) {
        ReorderBuffer buffer = ReorderBuffer.of(state);
        List<MetricPoint> released = new ArrayList<>();
        flush(buffer, released);
        return new Result(buffer.toState(), Verdict.ACCEPTED, released);
    }

    /** {@link #flush(SequencerState)} in place, appending to {@code released}. */
    public void flush(ReorderBuffer buffer, List<MetricPoint> released) {
        release(buffer, buffer.size, released);
    }

    /**
     * When {@link #releaseDue} will release if nothing else arrives, or {@link MetricPoint#NO_TIME}
     * when the buffer is empty.
     */
    public long deadlineMillis(SequencerState state) {
        return state.size() == 0 ? MetricPoint.NO_TIME : state.lastArrivalMillis() + maxDelayMillis;
    }

    /** {@link #deadlineMillis(SequencerState)} of a buffer. */
    public long deadlineMillis(ReorderBuffer buffer) {
        return buffer.size == 0 ? MetricPoint.NO_TIME : buffer.lastArrivalMillis + maxDelayMillis;
    }

    private static void release(ReorderBuffer buffer, int count, List<MetricPoint> released) {
        count = Math.max(0, Math.min(count, buffer.size));
        long[] data = buffer.data;
        int recentBase = buffer.recentBase();
        int recentSlots = buffer.recentSlots();
        for (int i = 0; i < count; i++) {
            int at = buffer.base(0);
            long step = data[at];
            released.add(
                    new MetricPoint(step, Double.longBitsToDouble(data[at + 2]), data[at + 1]));
            buffer.lastStep = step;
            data[recentBase + buffer.recentNext] = step;
            buffer.recentNext = buffer.recentNext + 1 == recentSlots ? 0 : buffer.recentNext + 1;
            buffer.recentSize = Math.min(buffer.recentSize + 1, recentSlots);
            buffer.head = buffer.head + 1 == buffer.slots ? 0 : buffer.head + 1;
            buffer.size--;
        }
        if (buffer.size == 0) {
            buffer.head = 0;
            buffer.lastArrivalMillis = MetricPoint.NO_TIME;
            buffer.wallsOrdered = true;
        }
    }

    /** Whether a step above the last released one is buffered (the buffer ascends). */
    private static boolean isBuffered(ReorderBuffer buffer, long step) {
        int size = buffer.size;
        long[] data = buffer.data;
        if (size == 0 || step > data[buffer.base(size - 1)]) {
            return false; // the in-order case: above everything buffered
        }
        for (int i = 0; i < size; i++) {
            if (data[buffer.base(i)] == step) {
                return true;
            }
        }
        return false;
    }

    /** Whether a step below the last released one is among the recently released. */
    private static boolean wasReleased(ReorderBuffer buffer, long step) {
        long[] data = buffer.data;
        int recentBase = buffer.recentBase();
        for (int i = 0; i < buffer.recentSize; i++) {
            if (data[recentBase + i] == step) {
                return true;
            }
        }
        return false;
    }
}
