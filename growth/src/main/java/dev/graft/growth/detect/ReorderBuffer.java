package dev.graft.growth.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * The mutable form of a {@link SequencerState}, which a {@link StepSequencer} changes in place: a
 * stream job keeps one per run and allocates nothing per offered value. The buffered values are a
 * ring (an in-order value is appended at the tail and the oldest leaves from the head, nothing is
 * shifted); released steps are remembered in a second ring to recognise late duplicates.
 *
 * <p>Whoever holds a buffer owns it. A state backend that snapshots asynchronously must keep a
 * {@link #copy()} for the snapshot before the buffer changes again: it is not an immutable value.
 * {@link #toState()} and {@link #of(SequencerState)} convert to and from the immutable form, and
 * {@link #writeTo}/{@link #readFrom} are its stored form.
 *
 * <pre>{@code
 * StepSequencer seq = new StepSequencer(16, 2_000);
 * ReorderBuffer buffer = seq.newBuffer();
 * List<MetricPoint> released = new ArrayList<>();
 * seq.offer(buffer, step, wallTime, loss, now, released); // buffer changed, released appended
 * }</pre>
 */
public final class ReorderBuffer {
    /** Largest ring {@link #readFrom} accepts (a corrupt length must not allocate gigabytes). */
    static final int MAX_SLOTS = 1 << 20;

    long lastStep;
    long[] recent;
    int recentSize;
    int recentNext;
    long[] steps;
    long[] wallTimes;
    double[] values;
    int head;
    int size;
    long lastArrivalMillis;

    ReorderBuffer(int slots, int recentSlots) {
        this(
                Evidence.NO_STEP,
                new long[recentSlots],
                0,
                0,
                new long[slots],
                new long[slots],
                new double[slots],
                0,
                0,
                MetricPoint.NO_TIME);
    }

    private ReorderBuffer(
            long lastStep,
            long[] recent,
            int recentSize,
            int recentNext,
            long[] steps,
            long[] wallTimes,
            double[] values,
            int head,
            int size,
            long lastArrivalMillis) {
        this.lastStep = lastStep;
        this.recent = recent;
        this.recentSize = recentSize;
        this.recentNext = recentNext;
        this.steps = steps;
        this.wallTimes = wallTimes;
        this.values = values;
        this.head = head;
        this.size = size;
        this.lastArrivalMillis = lastArrivalMillis;
    }

    /** A buffer holding what {@code state} holds (its arrays copied). */
    public static ReorderBuffer of(SequencerState state) {
        return new ReorderBuffer(
                state.lastStep(),
                state.recent(),
                state.recentSize(),
                state.recentNext(),
                state.steps(),
                state.wallTimes(),
                state.values(),
                0,
                state.size(),
                state.lastArrivalMillis());
    }

    /** An immutable copy of what the buffer holds now. */
    public SequencerState toState() {
        int slots = steps.length;
        long[] s = new long[slots];
        long[] w = new long[slots];
        double[] v = new double[slots];
        for (int i = 0; i < size; i++) {
            int at = slot(i);
            s[i] = steps[at];
            w[i] = wallTimes[at];
            v[i] = values[at];
        }
        return new SequencerState(
                lastStep, recent, recentSize, recentNext, s, w, v, size, lastArrivalMillis);
    }

    /** An independent copy (what a state backend keeps while a snapshot reads this one). */
    public ReorderBuffer copy() {
        return new ReorderBuffer(
                lastStep,
                recent.clone(),
                recentSize,
                recentNext,
                steps.clone(),
                wallTimes.clone(),
                values.clone(),
                head,
                size,
                lastArrivalMillis);
    }

    /** Whether values wait in the buffer. */
    public boolean hasBuffered() {
        return size > 0;
    }

    /** Values waiting. */
    public int size() {
        return size;
    }

    /** The highest step released, {@link Evidence#NO_STEP} before the first. */
    public long lastStep() {
        return lastStep;
    }

    /** The physical slot of the {@code i}-th buffered value (0 is the lowest step). */
    int slot(int i) {
        int at = head + i;
        return at >= steps.length ? at - steps.length : at;
    }

    /** Grows the ring to at least {@code slots} (a restored buffer under a larger bound). */
    void ensureSlots(int slots) {
        if (steps.length >= slots) {
            return;
        }
        long[] s = new long[slots];
        long[] w = new long[slots];
        double[] v = new double[slots];
        for (int i = 0; i < size; i++) {
            int at = slot(i);
            s[i] = steps[at];
            w[i] = wallTimes[at];
            v[i] = values[at];
        }
        steps = s;
        wallTimes = w;
        values = v;
        head = 0;
    }

    /**
     * Writes the buffer: {@code lastStep}; the recent ring (length, slots, size, next); the buffer
     * (slots, size, then each buffered step, wall time and value, lowest step first); {@code
     * lastArrivalMillis}.
     */
    public void writeTo(DataOutput out) throws IOException {
        out.writeLong(lastStep);
        out.writeInt(recent.length);
        for (long r : recent) {
            out.writeLong(r);
        }
        out.writeInt(recentSize);
        out.writeInt(recentNext);
        out.writeInt(steps.length);
        out.writeInt(size);
        for (int i = 0; i < size; i++) {
            int at = slot(i);
            out.writeLong(steps[at]);
            out.writeLong(wallTimes[at]);
            out.writeDouble(values[at]);
        }
        out.writeLong(lastArrivalMillis);
    }

    /**
     * Reads what {@link #writeTo} wrote, checking it: a corrupt or foreign stream fails naming what
     * is wrong instead of becoming a wrong buffer.
     */
    public static ReorderBuffer readFrom(DataInput in) throws IOException {
        long lastStep = in.readLong();
        int recentSlots = in.readInt();
        check(recentSlots >= 1 && recentSlots <= MAX_SLOTS, "recent slots", recentSlots);
        long[] recent = new long[recentSlots];
        for (int i = 0; i < recentSlots; i++) {
            recent[i] = in.readLong();
        }
        int recentSize = in.readInt();
        check(recentSize >= 0 && recentSize <= recentSlots, "recent size", recentSize);
        int recentNext = in.readInt();
        check(recentNext >= 0 && recentNext < recentSlots, "recent next", recentNext);
        int slots = in.readInt();
        check(slots >= 1 && slots <= MAX_SLOTS, "buffer slots", slots);
        int size = in.readInt();
        check(size >= 0 && size <= slots, "buffered values", size);
        long[] steps = new long[slots];
        long[] walls = new long[slots];
        double[] values = new double[slots];
        long previous = lastStep;
        for (int i = 0; i < size; i++) {
            steps[i] = in.readLong();
            walls[i] = in.readLong();
            values[i] = in.readDouble();
            if (steps[i] <= previous && (i > 0 || lastStep != Evidence.NO_STEP)) {
                throw new IOException(
                        "Reorder buffer: buffered steps must ascend above the last released step "
                                + lastStep
                                + ", found "
                                + steps[i]
                                + " after "
                                + previous);
            }
            previous = steps[i];
        }
        long lastArrival = in.readLong();
        return new ReorderBuffer(
                lastStep,
                recent,
                recentSize,
                recentNext,
                steps,
                walls,
                values,
                0,
                size,
                lastArrival);
    }

    private static void check(boolean ok, String what, int found) throws IOException {
        if (!ok) {
            throw new IOException(
                    "Reorder buffer: "
                            + what
                            + " out of range: "
                            + found
                            + " (a corrupt stream, or not a reorder buffer)");
        }
    }

    /** Equal when they hold the same values and remember the same steps (ring layout aside). */
    @Override
    public boolean equals(Object o) {
        return o instanceof ReorderBuffer b && toState().equals(b.toState());
    }

    @Override
    public int hashCode() {
        return toState().hashCode();
    }

    @Override
    public String toString() {
        long[] buffered = new long[size];
        for (int i = 0; i < size; i++) {
            buffered[i] = steps[slot(i)];
        }
        return "ReorderBuffer[lastStep="
                + lastStep
                + ", buffered="
                + Arrays.toString(buffered)
                + ", lastArrivalMillis="
                + lastArrivalMillis
                + "]";
    }
}
