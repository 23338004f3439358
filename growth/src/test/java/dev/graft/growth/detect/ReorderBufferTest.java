package dev.graft.growth.detect;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The in-place sequencer against a plain model of the documented rules (a sorted map, a list of
 * released steps), on long random streams with reordering, duplicates, late steps, wall-time gaps
 * and quiet periods, so the ring never lines up with its start.
 */
class ReorderBufferTest {

    /** The rules of {@link StepSequencer}, written the obvious way. */
    private static final class Model {
        final int maxBuffered;
        final long maxDelay;
        final TreeMap<Long, long[]> buffer = new TreeMap<>(); // step -> {wall, valueBits}
        final ArrayDeque<Long> recent = new ArrayDeque<>();
        final int recentSlots;
        long lastStep = Evidence.NO_STEP;
        long lastArrival = MetricPoint.NO_TIME;

        Model(int maxBuffered, long maxDelay) {
            this.maxBuffered = maxBuffered;
            this.maxDelay = maxDelay;
            this.recentSlots = Math.max(16, 2 * maxBuffered);
        }

        StepSequencer.Verdict offer(long step, long wall, double value, long now, List<Long> out) {
            if (step == lastStep || buffer.containsKey(step) || recent.contains(step)) {
                return StepSequencer.Verdict.DUPLICATE;
            }
            if (lastStep != Evidence.NO_STEP && step < lastStep) {
                return StepSequencer.Verdict.LATE;
            }
            buffer.put(step, new long[] {wall, Double.doubleToLongBits(value)});
            lastArrival = now;
            List<Long> steps = new ArrayList<>(buffer.keySet());
            int count = Math.max(0, steps.size() - maxBuffered);
            if (wall != MetricPoint.NO_TIME) {
                for (int i = steps.size() - 1; i >= count; i--) {
                    long w = buffer.get(steps.get(i))[0];
                    if (w != MetricPoint.NO_TIME && w <= wall - maxDelay) {
                        count = i + 1;
                        break;
                    }
                }
            }
            release(count, out);
            return StepSequencer.Verdict.ACCEPTED;
        }

        void release(int count, List<Long> out) {
            for (int i = 0; i < count; i++) {
                long step = buffer.firstKey();
                buffer.remove(step);
                out.add(step);
                lastStep = step;
                recent.addLast(step);
                if (recent.size() > recentSlots) {
                    recent.removeFirst();
                }
            }
            if (buffer.isEmpty()) {
                lastArrival = MetricPoint.NO_TIME;
            }
        }
    }

    @Test
    void behavesLikeThePlainModelOnLongRandomStreams() {
        Random random = new Random(7);
        for (int run = 0; run < 8; run++) {
            int maxBuffered = new int[] {0, 1, 3, 16}[run % 4];
            long delay = run < 4 ? 2_000 : 500; // 500: the time bound releases often
            StepSequencer seq = new StepSequencer(maxBuffered, delay);
            Model model = new Model(maxBuffered, delay);
            ReorderBuffer buffer = seq.newBuffer();
            List<MetricPoint> released = new ArrayList<>();
            List<Long> expected = new ArrayList<>();
            long now = 0;
            long next = 1;
            for (int i = 0; i < 20_000; i++) {
                now += random.nextInt(50);
                long step;
                int r = random.nextInt(20);
                if (r == 0) {
                    step = Math.max(0, next - 1 - random.nextInt(2 * maxBuffered + 40)); // late/dup
                } else if (r < 4) {
                    step = next + 1 + random.nextInt(maxBuffered + 2); // ahead: a gap to reorder
                } else {
                    step = next++;
                }
                long wall = r == 5 ? MetricPoint.NO_TIME : step * 100 + random.nextInt(300);
                double value = step * 0.25;
                released.clear();
                expected.clear();
                StepSequencer.Verdict got = seq.offer(buffer, step, wall, value, now, released);
                StepSequencer.Verdict want = model.offer(step, wall, value, now, expected);
                assertThat(got).as("offer %d of step %d", i, step).isEqualTo(want);
                assertThat(released).extracting(MetricPoint::step).isEqualTo(expected);
                for (MetricPoint p : released) {
                    assertThat(p.value()).isEqualTo(p.step() * 0.25);
                }
                if (random.nextInt(500) == 0) {
                    now += delay; // a quiet run
                    released.clear();
                    expected.clear();
                    seq.releaseDue(buffer, now, released);
                    if (model.lastArrival != MetricPoint.NO_TIME
                            && now - model.lastArrival >= delay) {
                        model.release(model.buffer.size(), expected);
                    }
                    assertThat(released).extracting(MetricPoint::step).isEqualTo(expected);
                }
                assertThat(buffer.size()).isEqualTo(model.buffer.size());
                assertThat(buffer.lastStep()).isEqualTo(model.lastStep);
                assertThat(seq.deadlineMillis(buffer))
                        .isEqualTo(
                                model.lastArrival == MetricPoint.NO_TIME
                                        ? MetricPoint.NO_TIME
                                        : model.lastArrival + delay);
            }
        }
    }

    @Test
    void theImmutableFormRoundTripsAndCopiesAreIndependent() {
        StepSequencer seq = new StepSequencer(4, 1_000);
        ReorderBuffer buffer = seq.newBuffer();
        List<MetricPoint> released = new ArrayList<>();
        for (long step : new long[] {1, 2, 3, 5, 4, 6, 8, 7, 9, 10, 11}) {
            seq.offer(buffer, step, 1_000 + step, step, 0, released); // the ring wraps
        }
        SequencerState frozen = buffer.toState();
        assertThat(ReorderBuffer.of(frozen)).isEqualTo(buffer);
        assertThat(ReorderBuffer.of(frozen).toState()).isEqualTo(frozen);

        ReorderBuffer copy = buffer.copy();
        seq.offer(buffer, 12, 1_012, 12, 0, released);
        assertThat(copy.toState()).isEqualTo(frozen);
        assertThat(buffer.toState()).isNotEqualTo(frozen);
        assertThat(copy.toString()).contains("buffered=[8, 9, 10, 11]");
    }

    @Test
    void aBufferRestoredUnderALargerBoundGrowsAndOneUnderASmallerReleases() {
        StepSequencer small = new StepSequencer(2, 1_000);
        ReorderBuffer buffer = small.newBuffer();
        List<MetricPoint> released = new ArrayList<>();
        small.offer(buffer, 2, 0, 2, 0, released);
        small.offer(buffer, 1, 0, 1, 0, released);
        StepSequencer large = new StepSequencer(5, 1_000);
        for (long step = 3; step <= 5; step++) {
            large.offer(buffer, step, 0, step, 0, released);
        }
        assertThat(released).isEmpty();
        assertThat(buffer.size()).isEqualTo(5);
        large.offer(buffer, 6, 0, 6, 0, released);
        assertThat(released).extracting(MetricPoint::step).containsExactly(1L);
        released.clear();
        small.offer(buffer, 7, 0, 7, 0, released);
        assertThat(released).extracting(MetricPoint::step).containsExactly(2L, 3L, 4L, 5L);
        assertThat(buffer.toString()).contains("buffered=[6, 7]");
    }

    @Test
    void itsStoredFormRoundTripsAndCorruptStreamsAreRefused() throws IOException {
        StepSequencer seq = new StepSequencer(3, 1_000);
        ReorderBuffer buffer = seq.newBuffer();
        List<MetricPoint> released = new ArrayList<>();
        for (long step : new long[] {1, 3, 2, 5, 4, 7}) {
            seq.offer(buffer, step, 1_000 + step, step / 2.0, 40 + step, released);
        }
        byte[] bytes = write(buffer);
        ReorderBuffer read = ReorderBuffer.readFrom(in(bytes));
        assertThat(read).isEqualTo(buffer);
        assertThat(seq.deadlineMillis(read)).isEqualTo(seq.deadlineMillis(buffer));

        byte[] badSlots = bytes.clone();
        int recentSlots = 16;
        int slotsAt = 8 + 4 + 8 * recentSlots + 4 + 4;
        badSlots[slotsAt] = 0x7f; // a huge buffer length
        assertThatThrownBy(() -> ReorderBuffer.readFrom(in(badSlots)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("buffer slots out of range");

        byte[] descending = bytes.clone();
        int firstStepAt = slotsAt + 4 + 4;
        descending[firstStepAt + 7] = 0; // first buffered step 4 -> 0, below the last released
        assertThatThrownBy(() -> ReorderBuffer.readFrom(in(descending)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("must ascend above the last released step 3");
    }

    private static byte[] write(ReorderBuffer buffer) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        buffer.writeTo(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    private static DataInputStream in(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }
}
