package dev.graft.jobs.trigger;

import dev.graft.growth.detect.Mode;
import dev.graft.growth.detect.PlateauState;

/**
 * What the TriggerJob remembers about one run: its generation, how far it has read on the step
 * axis, the plateau detector's state and the decisions made in this generation.
 *
 * @param generation the run's current generation
 * @param lastStep the highest step processed in this generation, -1 before the first
 * @param plateau the plateau detector's state for this generation
 * @param decisions decisions emitted in this generation
 */
public record RunState(int generation, long lastStep, PlateauState plateau, int decisions) {
    static RunState fresh(int generation, Mode mode) {
        return new RunState(generation, -1, PlateauState.initial(mode), 0);
    }

    RunState advancedTo(long step, PlateauState plateau) {
        return new RunState(generation, step, plateau, decisions);
    }

    RunState withDecision() {
        return new RunState(generation, lastStep, plateau, decisions + 1);
    }
}
