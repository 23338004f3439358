package dev.graft.jobs.transform;

import dev.graft.connectors.kafka.Sourced;
import dev.graft.connectors.transform.DecisionExecutor;
import dev.graft.connectors.transform.ProgressListener;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.GrowthDecision;

import org.apache.flink.streaming.api.functions.async.ResultFuture;

import java.time.Duration;
import java.util.List;

/**
 * Step 2, in parallel: writes one tensor group as one shard file into the decision's staging
 * directory. A decision whose outcome is already known passes through untouched.
 */
final class WriteGroupAsync extends ExecutorAsync<GroupWork, GroupWork> {
    private static final long serialVersionUID = 1L;

    WriteGroupAsync(
            DecisionExecutor.Factory executors,
            ProgressListener.Factory progress,
            int capacity,
            Duration timeout) {
        super(executors, progress, capacity, timeout, "write-group");
    }

    @Override
    Sourced<GrowthDecision> decisionOf(GroupWork input) {
        return input.decision;
    }

    @Override
    GroupWork timedOut(GroupWork input, CheckpointPublished failure) {
        return GroupWork.finished(input.decision, input.group, input.groups, failure);
    }

    @Override
    public void asyncInvoke(GroupWork work, ResultFuture<GroupWork> future) {
        if (work.isFinished()) {
            future.complete(List.of(work));
            return;
        }
        runAsync(
                work,
                executor -> {
                    DecisionExecutor.GroupOutcome written =
                            executor.writeGroup(
                                    work.decision.value(), work.group, work.groups, progress);
                    return List.of(
                            written.isFinished()
                                    ? GroupWork.finished(
                                            work.decision,
                                            work.group,
                                            work.groups,
                                            written.outcome())
                                    : work.staged(written.shard()));
                },
                future);
    }
}
