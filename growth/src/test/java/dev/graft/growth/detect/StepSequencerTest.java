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
    void releasesEverythingOnceTheOldestHasWaitedTheDelay() {
        StepSequencer seq = new StepSequencer(10, 1_000);
        SequencerState s = seq.offer(seq.initialState(), 2, 0, 1, 500).state();
        s = seq.offer(s, 1, 0, 1, 900).state();
        assertThat(seq.deadlineMillis(s)).isEqualTo(1_500);
        assertThat(seq.releaseDue(s, 1_499).released()).isEmpty();
        assertThat(seq.releaseDue(s, 1_500).released())
                .extracting(MetricPoint::step)
                .containsExactly(1L, 2L);
        assertThat(seq.deadlineMillis(seq.releaseDue(s, 1_500).state()))
                .isEqualTo(MetricPoint.NO_TIME);
    }
}
