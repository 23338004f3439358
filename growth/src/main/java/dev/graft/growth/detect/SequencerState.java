package dev.graft.growth.detect;

import java.util.Arrays;

/**
 * What a {@link StepSequencer} remembers about one (run, generation): the last step released, a
 * ring of recently released steps (to recognise late duplicates), and the buffer of values waiting
 * to be released in step order. Immutable: arrays are copied in and out. {@link ReorderBuffer} is
 * the mutable form, changed in place, which the TriggerJob keeps per run.
 *
 * @param lastStep the highest step released, {@link Evidence#NO_STEP} before the first
 * @param recent recently released steps, a ring
 * @param recentSize slots of {@code recent} in use
 * @param recentNext the slot the next released step goes to
 * @param steps buffered steps, ascending, {@code size} of them
 * @param wallTimes their wall times
 * @param values their values
 * @param size values buffered
 * @param lastArrivalMillis processing time of the last value offered while values wait, {@link
 *     MetricPoint#NO_TIME} when the buffer is empty
 */
public record SequencerState(
        long lastStep,
        long[] recent,
        int recentSize,
        int recentNext,
        long[] steps,
        long[] wallTimes,
        double[] values,
        int size,
        long lastArrivalMillis) {

    /** Copies the arrays and checks their shapes. */
    public SequencerState {
        recent = recent.clone();
        steps = steps.clone();
        wallTimes = wallTimes.clone();
        values = values.clone();
        if (steps.length != wallTimes.length
                || steps.length != values.length
                || size < 0
                || size > steps.length
                || recentSize < 0
                || recentSize > recent.length
                || recentNext < 0
                || recentNext >= Math.max(1, recent.length)) {
            throw new IllegalArgumentException(
                    "SequencerState arrays and counters disagree: "
                            + steps.length
                            + "/"
                            + wallTimes.length
                            + "/"
                            + values.length
                            + " buffer slots with size "
                            + size
                            + ", "
                            + recent.length
                            + " recent slots with size "
                            + recentSize
                            + " and next "
                            + recentNext);
        }
    }

    @Override
    public long[] recent() {
        return recent.clone();
    }

    @Override
    public long[] steps() {
        return steps.clone();
    }

    @Override
    public long[] wallTimes() {
        return wallTimes.clone();
    }

    @Override
    public double[] values() {
        return values.clone();
    }

    /** Whether values wait in the buffer. */
    public boolean hasBuffered() {
        return size > 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SequencerState s
                && lastStep == s.lastStep
                && recentSize == s.recentSize
                && recentNext == s.recentNext
                && size == s.size
                && lastArrivalMillis == s.lastArrivalMillis
                && Arrays.equals(recent, s.recent)
                && Arrays.equals(steps, s.steps)
                && Arrays.equals(wallTimes, s.wallTimes)
                && Arrays.equals(values, s.values);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(lastStep) * 31 + Arrays.hashCode(steps) * 17 + size;
    }

    @Override
    public String toString() {
        return "SequencerState[lastStep="
                + lastStep
                + ", buffered="
                + Arrays.toString(Arrays.copyOf(steps, size))
                + ", lastArrivalMillis="
                + lastArrivalMillis
                + "]";
    }
}
