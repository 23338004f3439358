package dev.graft.jobs.trigger;

import dev.graft.growth.detect.Evidence;
import dev.graft.growth.detect.MetricPoint;
import dev.graft.growth.detect.ReorderBuffer;
import dev.graft.growth.detect.RunDetectorState;

import java.util.Objects;

/**
 * What the TriggerJob remembers about one run besides its checkpoints, budget, commands and waiting
 * decisions (kept in their own Avro-typed state). Changed in place, one per run: a metric costs no
 * copy of it. Not an immutable value: {@link TrackedRunSerializer#copy} gives an asynchronous
 * snapshot its own copy before the operator changes the run again.
 *
 * <p>It replaced {@link RunState} (the same fields, immutable, rebuilt several times per metric);
 * state written in that form is read once per run and converted ({@link #of(RunState)}).
 */
final class TrackedRun {
    /** The run's current generation. */
    int generation;

    /** The reorder buffer of the current generation, changed in place by the sequencer. */
    ReorderBuffer sequence;

    /** The detectors' and gate's state (immutable: replaced, never changed). */
    RunDetectorState detection;

    /** Automatic growth decisions in this generation. */
    int decisions;

    /** Growths in the run's life (automatic, budget and commands). */
    int growths;

    /** Whether a HOLD command paused automatic decisions. */
    boolean held;

    /** The last step evaluated in this generation, {@link Evidence#NO_STEP} before it. */
    long lastStep;

    /** The wall time of the newest record of the run (metrics, checkpoints, commands). */
    long lastWallTimeMs;

    /** Processing time of the run's last record. */
    long lastSeenMillis;

    /** Whether the run was taken as dead (no record for the idle timeout). */
    boolean idle;

    /** Id of the budget last applied ({@code ""} for none), re-applied when the arch changes. */
    String budgetApplied;

    /** Whether a run-scoped budget is in state (saves reading it per metric). */
    boolean hasRunBudget;

    TrackedRun(
            int generation,
            ReorderBuffer sequence,
            RunDetectorState detection,
            int decisions,
            int growths,
            boolean held,
            long lastStep,
            long lastWallTimeMs,
            long lastSeenMillis,
            boolean idle,
            String budgetApplied,
            boolean hasRunBudget) {
        this.generation = generation;
        this.sequence = Objects.requireNonNull(sequence, "sequence");
        this.detection = Objects.requireNonNull(detection, "detection");
        this.decisions = decisions;
        this.growths = growths;
        this.held = held;
        this.lastStep = lastStep;
        this.lastWallTimeMs = lastWallTimeMs;
        this.lastSeenMillis = lastSeenMillis;
        this.idle = idle;
        this.budgetApplied = Objects.requireNonNull(budgetApplied, "budgetApplied");
        this.hasRunBudget = hasRunBudget;
    }

    /** A run first seen at processing time {@code now}. */
    static TrackedRun started(ReorderBuffer sequence, RunDetectorState detection, long now) {
        return new TrackedRun(
                0,
                sequence,
                detection,
                0,
                0,
                false,
                Evidence.NO_STEP,
                MetricPoint.NO_TIME,
                now,
                false,
                "",
                false);
    }

    /** The same run in the current form (state written before the in-place form). */
    static TrackedRun of(RunState old) {
        return new TrackedRun(
                old.generation(),
                ReorderBuffer.of(old.sequence()),
                old.detection(),
                old.decisions(),
                old.growths(),
                old.held(),
                old.lastStep(),
                old.lastWallTimeMs(),
                old.lastSeenMillis(),
                old.idle(),
                old.budgetApplied(),
                old.hasRunBudget());
    }

    /** An independent copy (the detector state is immutable and shared). */
    TrackedRun copy() {
        return new TrackedRun(
                generation,
                sequence.copy(),
                detection,
                decisions,
                growths,
                held,
                lastStep,
                lastWallTimeMs,
                lastSeenMillis,
                idle,
                budgetApplied,
                hasRunBudget);
    }

    /** A record of the run arrived at processing time {@code now}, logged at {@code wallTimeMs}. */
    void seen(long now, long wallTimeMs) {
        lastWallTimeMs = Math.max(lastWallTimeMs, wallTimeMs);
        lastSeenMillis = now;
        idle = false;
    }

    /** A new generation: fresh reorder buffer and detector state, no decisions in it yet. */
    void newGeneration(int newGeneration, ReorderBuffer newSequence, RunDetectorState d) {
        generation = newGeneration;
        sequence = newSequence;
        detection = d;
        decisions = 0;
        lastStep = Evidence.NO_STEP;
    }

    /** A value of {@code step}, logged at {@code wallTimeMs}, went through the detectors. */
    void evaluated(RunDetectorState d, long step, long wallTimeMs) {
        detection = d;
        lastStep = step;
        lastWallTimeMs = Math.max(lastWallTimeMs, wallTimeMs);
    }

    /** A decision was made ({@code automatic}: by the detectors, not a budget or command). */
    void acted(boolean automatic, boolean growth) {
        decisions += automatic ? 1 : 0;
        growths += growth ? 1 : 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrackedRun r
                && generation == r.generation
                && decisions == r.decisions
                && growths == r.growths
                && held == r.held
                && lastStep == r.lastStep
                && lastWallTimeMs == r.lastWallTimeMs
                && lastSeenMillis == r.lastSeenMillis
                && idle == r.idle
                && hasRunBudget == r.hasRunBudget
                && budgetApplied.equals(r.budgetApplied)
                && sequence.equals(r.sequence)
                && detection.equals(r.detection);
    }

    @Override
    public int hashCode() {
        return Objects.hash(generation, lastStep, lastSeenMillis, sequence);
    }

    @Override
    public String toString() {
        return "TrackedRun[generation="
                + generation
                + ", lastStep="
                + lastStep
                + ", decisions="
                + decisions
                + ", growths="
                + growths
                + ", held="
                + held
                + ", idle="
                + idle
                + ", "
                + sequence
                + "]";
    }
}
