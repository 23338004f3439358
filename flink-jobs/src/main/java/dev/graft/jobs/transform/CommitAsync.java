package dev.graft.jobs.transform;

import dev.graft.connectors.kafka.Sourced;
import dev.graft.connectors.transform.DecisionExecutor;
import dev.graft.connectors.transform.ProgressListener;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.PublishStatus;

import org.apache.flink.streaming.api.functions.async.ResultFuture;

import java.time.Duration;
import java.util.List;

/**
 * Step 3, once per decision: writes the rest of the checkpoint (config, shard index), verifies it
 * and publishes it atomically; or, when a group failed, removes the staging directory and passes
 * the failure on.
 */
final class CommitAsync extends ExecutorAsync<CommitWork, TransformResult> {
    private static final long serialVersionUID = 1L;

    CommitAsync(
            DecisionExecutor.Factory executors,
            ProgressListener.Factory progress,
            int capacity,
            Duration timeout) {
        super(executors, progress, capacity, timeout, "commit");
    }

    @Override
    Sourced<GrowthDecision> decisionOf(CommitWork input) {
        return input.decision;
    }

    @Override
    TransformResult timedOut(CommitWork input, CheckpointPublished failure) {
        return new TransformResult(input.decision, failure);
    }

    @Override
    public void asyncInvoke(CommitWork work, ResultFuture<TransformResult> future) {
        if (work.outcome != null && work.outcome.getStatus() == PublishStatus.PUBLISHED) {
            future.complete(List.of(new TransformResult(work.decision, work.outcome)));
            return;
        }
        runAsync(
                work,
                executor ->
                        List.of(
                                new TransformResult(
                                        work.decision,
                                        work.outcome != null
                                                ? executor.abandon(
                                                        work.decision.value(), work.outcome)
                                                : executor.commit(
                                                        work.decision.value(),
                                                        work.shards,
                                                        progress))),
                future);
    }
}
