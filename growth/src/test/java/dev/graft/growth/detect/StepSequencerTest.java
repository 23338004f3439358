package dev.graft.growth.detect;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StepSequencerTest {
    private final List<Long> released = new ArrayList<>();

    private SequencerState offer(
            StepSequencer seq, SequencerState s, long step, StepSequencer.Verdict expected) {
        StepSequencer.Result r = seq.offer(s, step, 1_000 + step, step * 0.5, 0);
        assertThat(r.verdict()).as("step " + step).isEqualTo(expected);
        r.released().forEach(p -> released.add(p.step()));
        return r.state();
    }

    @Test
    void putsStepsBackInOrderWithinTheBoundAndDropsDuplicates() {
        StepSequencer seq = new StepSequencer(2, 1_000);
        SequencerState s = seq.initialState();
        s = offer(seq, s, 3, StepSequencer.Verdict.ACCEPTED);
        s = offer(seq, s, 1, StepSequencer.Verdict.ACCEPTED);
        s = offer(seq, s, 3, StepSequencer.Verdict.DUPLICATE);
        s = offer(seq, s, 2, StepSequencer.Verdict.ACCEPTED); // releases 1
        s = offer(seq, s, 5, StepSequencer.Verdict.ACCEPTED); // releases 2
        s = offer(seq, s, 1, StepSequencer.Verdict.DUPLICATE); // released, remembered
        s = offer(seq, s, 4, StepSequencer.Verdict.ACCEPTED); // releases 3
        s = offer(seq, s, 0, StepSequencer.Verdict.LATE);
        assertThat(released).containsExactly(1L, 2L, 3L);
        StepSequencer.Result flushed = seq.flush(s);
        assertThat(flushed.released()).extracting(MetricPoint::step).containsExactly(4L, 5L);
        assertThat(flushed.released().get(0).value()).isEqualTo(2.0);
        assertThat(flushed.released().get(0).wallTimeMillis()).isEqualTo(1_004);
        assertThat(flushed.state().hasBuffered()).isFalse();
    }

    @Test
    void withoutABufferEveryValueIsReleasedAtOnceAndAnyStepBackIsLate() {
        StepSequencer seq = new StepSequencer(0, 0);
        SequencerState s = seq.initialState();
        s = offer(seq, s, 10, StepSequencer.Verdict.ACCEPTED);
        s = offer(seq, s, 10, StepSequencer.Verdict.DUPLICATE);
        s = offer(seq, s, 9, StepSequencer.Verdict.LATE);
        assertThat(released).containsExactly(10L);
    }

    @Test
    void aQuietRunHasItsBufferReleasedTheDelayAfterItsLastValue() {
        StepSequencer seq = new StepSequencer(10, 1_000);
        SequencerState s = seq.offer(seq.initialState(), 2, 0, 1, 500).state();
        s = seq.offer(s, 1, 0, 1, 900).state();
        // Measured from the last arrival, not the oldest: the run was still sending at 900.
        assertThat(seq.deadlineMillis(s)).isEqualTo(1_900);
        assertThat(seq.releaseDue(s, 1_899).released()).isEmpty();
        assertThat(seq.releaseDue(s, 1_900).released())
                .extracting(MetricPoint::step)
                .containsExactly(1L, 2L);
        assertThat(seq.deadlineMillis(seq.releaseDue(s, 1_900).state()))
                .isEqualTo(MetricPoint.NO_TIME);
    }

    @Test
    void theTimeBoundIsTheRunsOwnClockSoProcessingSpeedNeverDecidesTheOrder() {
        StepSequencer seq = new StepSequencer(10, 1_000);
        // Wall times 10 s apart per step; arrivals (processing time) far apart too, as in a slow,
        // loaded job: nothing is released by processing time while values keep coming.
        SequencerState s = seq.offer(seq.initialState(), 2, 20_000, 2.0, 0).state();
        StepSequencer.Result r = seq.offer(s, 1, 10_000, 1.0, 5_000);
        assertThat(r.released()).isEmpty(); // 1 is older than 2: nothing newer than 2 yet
        r = seq.offer(r.state(), 3, 20_500, 3.0, 60_000);
        assertThat(r.released()).extracting(MetricPoint::step).containsExactly(1L);
        r = seq.offer(r.state(), 4, 21_500, 4.0, 120_000);
        // 2 (20 000) is 1 500 older than 4: released, and 3 (20 500) exactly the bound: too.
        assertThat(r.released()).extracting(MetricPoint::step).containsExactly(2L, 3L);
        assertThat(r.state().size()).isEqualTo(1);
        // Redelivered 3 is a duplicate; a step below the last released one is late.
        assertThat(seq.offer(r.state(), 3, 21_000, 0, 120_001).verdict())
                .isEqualTo(StepSequencer.Verdict.DUPLICATE);
        assertThat(seq.offer(r.state(), 0, 21_000, 0, 120_001).verdict())
                .isEqualTo(StepSequencer.Verdict.LATE);
    }

    @Test
    void valuesWithoutAWallTimeAreReleasedOnlyByTheRecordBoundOrQuiet() {
        StepSequencer seq = new StepSequencer(2, 0);
        SequencerState s = seq.offer(seq.initialState(), 1, MetricPoint.NO_TIME, 1, 0).state();
        StepSequencer.Result r = seq.offer(s, 2, MetricPoint.NO_TIME, 1, 0);
        assertThat(r.released()).isEmpty();
        r = seq.offer(r.state(), 3, MetricPoint.NO_TIME, 1, 0);
        assertThat(r.released()).extracting(MetricPoint::step).containsExactly(1L);
    }
}
