package dev.graft.jobs.transform;

import dev.graft.connectors.kafka.Sourced;
import dev.graft.connectors.store.GraftVersion;
import dev.graft.connectors.transform.DecisionExecutor;
import dev.graft.connectors.transform.Outcomes;
import dev.graft.connectors.transform.ProgressListener;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.GrowthDecision;

import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs transforms off Flink's task thread, so a transform of minutes never stalls checkpoints or
 * the rest of the job. At most {@code capacity} run at once per worker; in-flight decisions are
 * kept in Flink's checkpoints and re-run after a failure, which the executor's idempotence (by
 * decision id) makes safe.
 */
final class TransformAsync extends RichAsyncFunction<Sourced<GrowthDecision>, TransformResult> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TransformAsync.class);

    private final DecisionExecutor.Factory executors;
    private final ProgressListener.Factory progressListeners;
    private final int capacity;
    private final Duration timeout;

    private transient DecisionExecutor executor;
    private transient ProgressListener progress;
    private transient ExecutorService pool;

    TransformAsync(
            DecisionExecutor.Factory executors,
            ProgressListener.Factory progressListeners,
            int capacity,
            Duration timeout) {
        this.executors = executors;
        this.progressListeners = progressListeners;
        this.capacity = capacity;
        this.timeout = timeout;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        int gpu = gpuIndex(getRuntimeContext().getExternalResourceInfos("gpu"));
        DecisionExecutor.Worker worker =
                new DecisionExecutor.Worker(
                        "TransformJob[" + subtask + "]" + (gpu >= 0 ? " gpu:" + gpu : " cpu"), gpu);
        executor = executors.create(worker);
        progress = progressListeners.create();
        pool =
                Executors.newFixedThreadPool(
                        capacity,
                        r -> {
                            Thread t = new Thread(r, worker.name() + " transform");
                            t.setDaemon(true);
                            return t;
                        });
        LOG.info("{} ready, {} transform(s) at a time", worker.name(), capacity);
    }

    /** The GPU the cluster gave this worker (Flink's {@code gpu} external resource), or -1. */
    static int gpuIndex(Set<ExternalResourceInfo> gpus) {
        for (ExternalResourceInfo info : gpus) {
            var index = info.getProperty("index");
            if (index.isPresent()) {
                try {
                    return Integer.parseInt(index.get().trim());
                } catch (NumberFormatException e) {
                    LOG.warn("Ignoring GPU with index '{}': not a number", index.get());
                }
            }
        }
        return -1;
    }

    @Override
    public void asyncInvoke(
            Sourced<GrowthDecision> decision, ResultFuture<TransformResult> resultFuture) {
        CompletableFuture.supplyAsync(() -> executor.execute(decision.value(), progress), pool)
                .whenComplete(
                        (outcome, error) -> {
                            if (error == null) {
                                resultFuture.complete(
                                        List.of(new TransformResult(decision, outcome)));
                                return;
                            }
                            // Known failures come back as FAILED outcomes; anything thrown is
                            // the infrastructure failing (a lost disk, a killed worker): fail
                            // the task so Flink restarts it and re-runs the decision from its
                            // checkpoint, which the executor's idempotence makes safe.
                            LOG.error(
                                    "Decision {} of run {}: the transform failed; the task"
                                            + " restarts and runs it again",
                                    decision.value().getDecisionId(),
                                    decision.value().getRunId(),
                                    error);
                            resultFuture.completeExceptionally(error);
                        });
    }

    @Override
    public void timeout(
            Sourced<GrowthDecision> decision, ResultFuture<TransformResult> resultFuture) {
        resultFuture.complete(
                List.of(
                        new TransformResult(
                                decision,
                                failed(
                                        decision.value(),
                                        "TIMEOUT",
                                        "the transform did not finish within "
                                                + timeout
                                                + " (graft.transform.timeout); raise it for"
                                                + " checkpoints this large, or give the job more"
                                                + " parallelism",
                                        true))));
    }

    private static CheckpointPublished failed(
            GrowthDecision decision, String code, String message, boolean retryable) {
        return Outcomes.failed(
                decision, code, message, retryable, GraftVersion.get(), System.currentTimeMillis());
    }

    @Override
    public void close() throws Exception {
        if (pool != null) {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (executor != null) {
            executor.close();
        }
        if (progress != null) {
            progress.close();
        }
    }
}
