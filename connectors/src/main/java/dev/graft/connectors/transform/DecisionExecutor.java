package dev.graft.connectors.transform;

import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.GrowthDecision;

/**
 * Carries out one decision: read the source checkpoint, plan, apply the operator, verify, publish
 * atomically. The port between the TransformJob's wiring and the work itself, so the job can be
 * tested with a fake and the work without Flink.
 *
 * <p>Contract: idempotent by {@code decision_id} (a second call for a decision already published
 * returns the same checkpoint, never a second copy elsewhere), and failures are data: a missing or
 * corrupt source, an impossible target or a failed verification come back as a {@link
 * CheckpointPublished} with status FAILED and the reason, never as an exception. Only a bug may
 * throw.
 *
 * <pre>{@code
 * CheckpointPublished result = executor.execute(decision, progress::report);
 * }</pre>
 */
public interface DecisionExecutor extends AutoCloseable {
    /** Carries out {@code decision}, reporting progress as it goes. */
    CheckpointPublished execute(GrowthDecision decision, ProgressListener progress);

    @Override
    default void close() throws Exception {}

    /** Creates an executor per worker (it may hold native memory, threads, file handles). */
    @FunctionalInterface
    interface Factory extends java.io.Serializable {
        DecisionExecutor create(Worker worker) throws Exception;
    }

    /**
     * Who runs the work.
     *
     * @param name for progress records and logs, e.g. {@code TransformJob[1] gpu:0}
     * @param gpuIndex the GPU this worker was given by the cluster, or -1 for CPU only
     */
    record Worker(String name, int gpuIndex) {
        public boolean hasGpu() {
            return gpuIndex >= 0;
        }
    }
}
