package dev.graft.jobs.transform;

import dev.graft.connectors.kafka.Sourced;
import dev.graft.connectors.transform.DecisionExecutor;
import dev.graft.connectors.transform.ProgressListener;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.GrowthDecision;

import org.apache.flink.streaming.api.functions.async.ResultFuture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Step 1: plans a decision and emits one {@link GroupWork} per tensor group to write (one per
 * parallel subtask by default, or one for a small checkpoint), or the decision's outcome when it
 * was published before or cannot be carried out.
 */
final class PlanAsync extends ExecutorAsync<Sourced<GrowthDecision>, GroupWork> {
    private static final long serialVersionUID = 1L;

    PlanAsync(
            DecisionExecutor.Factory executors,
            ProgressListener.Factory progress,
            int capacity,
            Duration timeout) {
        super(executors, progress, capacity, timeout, "plan");
    }

    @Override
    Sourced<GrowthDecision> decisionOf(Sourced<GrowthDecision> input) {
        return input;
    }

    @Override
    GroupWork timedOut(Sourced<GrowthDecision> input, CheckpointPublished failure) {
        return GroupWork.finished(input, failure);
    }

    @Override
    public void asyncInvoke(Sourced<GrowthDecision> decision, ResultFuture<GroupWork> future) {
        int workers = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        runAsync(
                decision,
                executor -> {
                    DecisionExecutor.Prepared prepared =
                            executor.prepare(decision.value(), progress, workers);
                    if (prepared.isFinished()) {
                        return List.of(GroupWork.finished(decision, prepared.outcome()));
                    }
                    List<GroupWork> groups = new ArrayList<>();
                    for (int g = 0; g < prepared.groups(); g++) {
                        groups.add(GroupWork.toWrite(decision, g, prepared.groups()));
                    }
                    return groups;
                },
                future);
    }
}
