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

    /** Longs per buffered value in {@link #data}: step, wall time, value (raw double bits). */
    static final int STRIDE = 3;

    long lastStep;

    /**
     * Everything else in one array, so that a value touches few cache lines: {@code slots} ring
     * slots of {@value #STRIDE} longs each, then the ring of recently released steps.
     */
    long[] data;

    int slots;
    int recentSize;
    int recentNext;
    int head;
    int size;
    long lastArrivalMillis;

    /**
     * Whether the buffered values' wall times are all known and ascend with their steps (so the
     * time bound needs to look at one value, not all): a cache, recomputed when unknown.
     */
    boolean wallsOrdered;

    ReorderBuffer(int slots, int recentSlots) {
        this(Evidence.NO_STEP, new long[STRIDE * slots + recentSlots], slots, 0, 0, 0, 0);
        this.lastArrivalMillis = MetricPoint.NO_TIME;
    }

    private ReorderBuffer(
            long lastStep,
            long[] data,
            int slots,
            int recentSize,
            int recentNext,
            int head,
            int size) {
        this.lastStep = lastStep;
        this.data = data;
        this.slots = slots;
        this.recentSize = recentSize;
        this.recentNext = recentNext;
        this.head = head;
        this.size = size;
        this.wallsOrdered = size == 0;
    }

    /** A buffer holding what {@code state} holds. */
    public static ReorderBuffer of(SequencerState state) {
        long[] recent = state.recent();
        long[] steps = state.steps();
        long[] walls = state.wallTimes();
        double[] values = state.values();
        int slots = steps.length;
        long[] data = new long[STRIDE * slots + recent.length];
        for (int i = 0; i < state.size(); i++) {
            data[STRIDE * i] = steps[i];
            data[STRIDE * i + 1] = walls[i];
            data[STRIDE * i + 2] = Double.doubleToRawLongBits(values[i]);
        }
        System.arraycopy(recent, 0, data, STRIDE * slots, recent.length);
        ReorderBuffer b =
                new ReorderBuffer(
                        state.lastStep(),
                        data,
                        slots,
                        state.recentSize(),
                        state.recentNext(),
                        0,
                        state.size());
        b.lastArrivalMillis = state.lastArrivalMillis();
        return b;
    }

    /** An immutable copy of what the buffer holds now. */
    public SequencerState toState() {
        long[] s = new long[slots];
        long[] w = new long[slots];
        double[] v = new double[slots];
        for (int i = 0; i < size; i++) {
            int at = base(i);
            s[i] = data[at];
            w[i] = data[at + 1];
            v[i] = Double.longBitsToDouble(data[at + 2]);
        }
        long[] recent = Arrays.copyOfRange(data, STRIDE * slots, data.length);
        return new SequencerState(
                lastStep, recent, recentSize, recentNext, s, w, v, size, lastArrivalMillis);
    }

    /** An independent copy (what a state backend keeps while a snapshot reads this one). */
    public ReorderBuffer copy() {
        ReorderBuffer b =
                new ReorderBuffer(
                        lastStep, data.clone(), slots, recentSize, recentNext, head, size);
        b.lastArrivalMillis = lastArrivalMillis;
        b.wallsOrdered = wallsOrdered;
        return b;
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

    /** Where in {@link #data} the {@code i}-th buffered value (0 is the lowest step) starts. */
    int base(int i) {
        int at = head + i;
        return STRIDE * (at >= slots ? at - slots : at);
    }

    /** Where in {@link #data} the ring of recent steps starts. */
    int recentBase() {
        return STRIDE * slots;
    }

    /** Slots of the ring of recent steps. */
    int recentSlots() {
        return data.length - STRIDE * slots;
    }

    /** Grows the ring to at least {@code n} slots (a restored buffer under a larger bound). */
    void ensureSlots(int n) {
        if (slots >= n) {
            return;
        }
        int recentSlots = recentSlots();
        long[] grown = new long[STRIDE * n + recentSlots];
        for (int i = 0; i < size; i++) {
            System.arraycopy(data, base(i), grown, STRIDE * i, STRIDE);
        }
        System.arraycopy(data, recentBase(), grown, STRIDE * n, recentSlots);
        data = grown;
        slots = n;
        head = 0;
    }

    /**
     * Writes the buffer: {@code lastStep}; the recent ring (length, slots, size, next); the buffer
     * (slots, size, then each buffered step, wall time and value, lowest step first); {@code
     * lastArrivalMillis}.
     */
    public void writeTo(DataOutput out) throws IOException {
        out.writeLong(lastStep);
        int recentSlots = recentSlots();
        out.writeInt(recentSlots);
        for (int i = 0; i < recentSlots; i++) {
            out.writeLong(data[recentBase() + i]);
        }
        out.writeInt(recentSize);
        out.writeInt(recentNext);
        out.writeInt(slots);
        out.writeInt(size);
        for (int i = 0; i < size; i++) {
            int at = base(i);
            out.writeLong(data[at]);
            out.writeLong(data[at + 1]);
            out.writeDouble(Double.longBitsToDouble(data[at + 2]));
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
        long[] data = new long[STRIDE * slots + recentSlots];
        long previous = lastStep;
        for (int i = 0; i < size; i++) {
            long step = in.readLong();
            data[STRIDE * i] = step;
            data[STRIDE * i + 1] = in.readLong();
            data[STRIDE * i + 2] = Double.doubleToRawLongBits(in.readDouble());
            if (step <= previous && (i > 0 || lastStep != Evidence.NO_STEP)) {
                throw new IOException(
                        "Reorder buffer: buffered steps must ascend above the last released step "
                                + lastStep
                                + ", found "
                                + step
                                + " after "
                                + previous);
            }
            previous = step;
        }
        System.arraycopy(recent, 0, data, STRIDE * slots, recentSlots);
        ReorderBuffer b = new ReorderBuffer(lastStep, data, slots, recentSize, recentNext, 0, size);
        b.lastArrivalMillis = in.readLong();
        return b;
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
            buffered[i] = data[base(i)];
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
