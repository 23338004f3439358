package dev.graft.jobs.trigger;

import dev.graft.growth.detect.Evidence;
import dev.graft.growth.detect.RunDetectorState;
import dev.graft.growth.detect.SequencerState;

/**
 * The run state as Graft stored it before {@link TrackedRun} (state name {@code run}): kept so a
 * savepoint of that version restores. {@link RunTrigger} reads it once per run, converts it with
 * {@link TrackedRun#of(RunState)} and clears it; nothing writes it any more. Its class name and
 * fields are that format: do not change them.
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
        boolean hasRunBudget) {}
