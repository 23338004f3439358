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
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A step of a transform ({@link DecisionExecutor}) run off Flink's task thread, so a step of
 * minutes never stalls checkpoints or the rest of the job. At most {@code capacity} run at once per
 * subtask; in-flight inputs are kept in Flink's checkpoints and run again after a failure, which
 * the executor's idempotence (by decision id) makes safe.
 *
 * @param <I> what the step works on
 * @param <O> what it emits
 */
abstract class ExecutorAsync<I, O> extends RichAsyncFunction<I, O> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorAsync.class);

    private final DecisionExecutor.Factory executors;
    private final ProgressListener.Factory progressListeners;
    private final int capacity;
    private final Duration timeout;
    private final String step;

    protected transient DecisionExecutor executor;
    protected transient ProgressListener progress;
    private transient ExecutorService pool;

    ExecutorAsync(
            DecisionExecutor.Factory executors,
            ProgressListener.Factory progressListeners,
            int capacity,
            Duration timeout,
            String step) {
        this.executors = executors;
        this.progressListeners = progressListeners;
        this.capacity = capacity;
        this.timeout = timeout;
        this.step = step;
    }

    /** The decision {@code input} belongs to. */
    abstract Sourced<GrowthDecision> decisionOf(I input);

    /** What to emit when the step did not finish in time ({@code failure}: TIMEOUT). */
    abstract O timedOut(I input, CheckpointPublished failure);

    @Override
    public void open(OpenContext openContext) throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        int gpu = gpuIndex(getRuntimeContext().getExternalResourceInfos("gpu"));
        DecisionExecutor.Worker worker =
                new DecisionExecutor.Worker(
                        "TransformJob/"
                                + step
                                + "["
                                + subtask
                                + "]"
                                + (gpu >= 0 ? " gpu:" + gpu : " cpu"),
                        gpu);
        executor = executors.create(worker);
        progress = progressListeners.create();
        pool =
                Executors.newFixedThreadPool(
                        capacity,
                        r -> {
                            Thread t = new Thread(r, worker.name());
                            t.setDaemon(true);
                            return t;
                        });
        LOG.info("{} ready, {} at a time", worker.name(), capacity);
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

    /** Runs {@code work} on the pool and completes {@code future} with what it returns. */
    void runAsync(I input, Function<DecisionExecutor, Collection<O>> work, ResultFuture<O> future) {
        GrowthDecision decision = decisionOf(input).value();
        CompletableFuture.supplyAsync(() -> work.apply(executor), pool)
                .whenComplete(
                        (out, error) -> {
                            if (error == null) {
                                future.complete(out);
                                return;
                            }
                            // Known failures come back as FAILED outcomes; anything thrown is
                            // the infrastructure failing (a lost disk, a killed worker): fail
                            // the task so Flink restarts it and runs the step again from its
                            // checkpoint, which the executor's idempotence makes safe.
                            LOG.error(
                                    "Decision {} of run {}: {} failed; the task restarts and runs"
                                            + " it again",
                                    decision.getDecisionId(),
                                    decision.getRunId(),
                                    step,
                                    error);
                            future.completeExceptionally(error);
                        });
    }

    @Override
    public void timeout(I input, ResultFuture<O> future) {
        GrowthDecision decision = decisionOf(input).value();
        future.complete(
                java.util.List.of(
                        timedOut(
                                input,
                                Outcomes.failed(
                                        decision,
                                        "TIMEOUT",
                                        "the transform's "
                                                + step
                                                + " step did not finish within "
                                                + timeout
                                                + " (graft.transform.timeout); raise it for"
                                                + " checkpoints this large, or give the job more"
                                                + " parallelism",
                                        true,
                                        GraftVersion.get(),
                                        System.currentTimeMillis()))));
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
