package dev.graft.jobs.trigger;

import dev.graft.growth.detect.Evidence;
import dev.graft.growth.detect.RunDetectorState;
import dev.graft.growth.detect.SequencerState;

/**
 * What the TriggerJob remembers about one run besides its checkpoints, budget, commands and waiting
 * decisions (kept in their own Avro-typed state).
 *
 * @param generation the run's current generation
 * @param sequence the reorder buffer of the current generation
 * @param detection the detectors' and gate's state
 * @param decisions automatic growth decisions in this generation
 * @param growths growths in the run's life (automatic, budget and commands)
 * @param held whether a HOLD command paused automatic decisions
 * @param lastStep the last step evaluated in this generation, {@link Evidence#NO_STEP} before it
 * @param lastWallTimeMs the wall time of the newest metric of the run
 * @param lastSeenMillis processing time of the run's last record
 * @param idle whether the run was taken as dead (no record for the idle timeout)
 * @param budgetApplied id of the budget last applied ({@code ""} for none), re-applied when the
 *     architecture changes
 * @param hasRunBudget whether a run-scoped budget is in state (saves reading it per metric)
 */
public record RunState(
        int generation,
        SequencerState sequence,
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

    RunState withGeneration(
            int newGeneration, SequencerState newSequence, RunDetectorState newDetection) {
        return new RunState(
                newGeneration,
                newSequence,
                newDetection,
                0,
                growths,
                held,
                Evidence.NO_STEP,
                lastWallTimeMs,
                lastSeenMillis,
                idle,
                budgetApplied,
                hasRunBudget);
    }

    RunState withSequence(SequencerState s) {
        return new RunState(
                generation,
                s,
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

    RunState evaluated(RunDetectorState d, long step, long wallTimeMs) {
        return new RunState(
                generation,
                sequence,
                d,
                decisions,
                growths,
                held,
                step,
                Math.max(lastWallTimeMs, wallTimeMs),
                lastSeenMillis,
                idle,
                budgetApplied,
                hasRunBudget);
    }

    RunState withWallTime(long wallTimeMs) {
        return new RunState(
                generation,
                sequence,
                detection,
                decisions,
                growths,
                held,
                lastStep,
                Math.max(lastWallTimeMs, wallTimeMs),
                lastSeenMillis,
                idle,
                budgetApplied,
                hasRunBudget);
    }

    RunState withDetection(RunDetectorState d) {
        return new RunState(
                generation,
                sequence,
                d,
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

    RunState acted(boolean automatic, boolean growth) {
        return new RunState(
                generation,
                sequence,
                detection,
                decisions + (automatic ? 1 : 0),
                growths + (growth ? 1 : 0),
                held,
                lastStep,
                lastWallTimeMs,
                lastSeenMillis,
                idle,
                budgetApplied,
                hasRunBudget);
    }

    RunState withHeld(boolean h) {
        return new RunState(
                generation,
                sequence,
                detection,
                decisions,
                growths,
                h,
                lastStep,
                lastWallTimeMs,
                lastSeenMillis,
                idle,
                budgetApplied,
                hasRunBudget);
    }

    RunState seen(long nowMillis, long wallTimeMs) {
        return new RunState(
                generation,
                sequence,
                detection,
                decisions,
                growths,
                held,
                lastStep,
                Math.max(lastWallTimeMs, wallTimeMs),
                nowMillis,
                false,
                budgetApplied,
                hasRunBudget);
    }

    RunState withIdle(boolean i) {
        return new RunState(
                generation,
                sequence,
                detection,
                decisions,
                growths,
                held,
                lastStep,
                lastWallTimeMs,
                lastSeenMillis,
                i,
                budgetApplied,
                hasRunBudget);
    }

    RunState withRunBudget() {
        return new RunState(
                generation,
                sequence,
                detection,
                decisions,
                growths,
                held,
                lastStep,
                lastWallTimeMs,
                lastSeenMillis,
                idle,
                budgetApplied,
                true);
    }

    RunState withBudgetApplied(String id) {
        return new RunState(
                generation,
                sequence,
                detection,
                decisions,
                growths,
                held,
                lastStep,
                lastWallTimeMs,
                lastSeenMillis,
                idle,
                id,
                hasRunBudget);
    }
}
