package dev.graft.connectors.transform;

import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.FileEntry;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.PublishStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Carries out one decision: read the source checkpoint, plan, apply the operator, verify, publish
 * atomically. The port between the TransformJob's wiring and the work itself, so the job can be
 * tested with a fake and the work without Flink.
 *
 * <p>The work comes in three steps so that a large checkpoint can be written by several workers and
 * committed once: {@link #prepare} plans and says into how many tensor groups the result is split;
 * {@link #writeGroup} writes one group as one shard file into the decision's staging area (any
 * worker, in any order, in parallel); {@link #commit} writes the rest (config, index), verifies and
 * publishes once. {@link #execute} runs the three in sequence on one worker.
 *
 * <p>Contract: every step is idempotent by {@code decision_id} (a step run again after a failure
 * finds or redoes its work in the same place, never a second copy elsewhere; a decision already
 * published comes back as that checkpoint), and failures are data: a missing or corrupt source, an
 * impossible target or a failed verification come back as a {@link CheckpointPublished} with status
 * FAILED and the reason, never as an exception. Only a bug or a crash may throw.
 *
 * <pre>{@code
 * CheckpointPublished result = executor.execute(decision, progress::report);
 * }</pre>
 */
public interface DecisionExecutor extends AutoCloseable {

    /**
     * Step 1: finds a published result, or plans the transform and decides how many groups it is
     * written in.
     *
     * @param workers parallel workers that will write groups (a hint for the number of groups)
     */
    Prepared prepare(GrowthDecision decision, ProgressListener progress, int workers);

    /**
     * Step 2: writes group {@code group} of {@code groups} (as {@link #prepare} said) as one shard
     * file into the decision's staging area. A shard staged completely by an earlier attempt is
     * kept, not written again.
     */
    GroupOutcome writeGroup(
            GrowthDecision decision, int group, int groups, ProgressListener progress);

    /**
     * Step 3: given every group's shard (in group order), writes the checkpoint's other files,
     * verifies the result and publishes it once.
     */
    CheckpointPublished commit(
            GrowthDecision decision, List<FileEntry> shards, ProgressListener progress);

    /**
     * Gives up a decision whose group failed: removes its staging area and returns {@code outcome}
     * (FAILED), or the published checkpoint if an earlier attempt published it.
     */
    CheckpointPublished abandon(GrowthDecision decision, CheckpointPublished outcome);

    /** The three steps in sequence on this worker. */
    default CheckpointPublished execute(GrowthDecision decision, ProgressListener progress) {
        Prepared prepared = prepare(decision, progress, 1);
        if (prepared.isFinished()) {
            return prepared.outcome();
        }
        List<FileEntry> shards = new ArrayList<>();
        for (int g = 0; g < prepared.groups(); g++) {
            GroupOutcome written = writeGroup(decision, g, prepared.groups(), progress);
            if (written.isFinished()) {
                return written.outcome().getStatus() == PublishStatus.PUBLISHED
                        ? written.outcome()
                        : abandon(decision, written.outcome());
            }
            shards.add(written.shard());
        }
        return commit(decision, shards, progress);
    }

    @Override
    default void close() throws Exception {}

    /**
     * What {@link #prepare} found: the decision's outcome already (published before, or failed), or
     * the number of groups to write.
     */
    record Prepared(CheckpointPublished outcome, int groups) {
        public Prepared {
            if ((outcome == null) == (groups < 1)) {
                throw new IllegalArgumentException(
                        "expected an outcome or a group count >= 1, found "
                                + outcome
                                + " and "
                                + groups);
            }
        }

        public static Prepared finished(CheckpointPublished outcome) {
            return new Prepared(Objects.requireNonNull(outcome, "outcome"), 0);
        }

        public static Prepared split(int groups) {
            return new Prepared(null, groups);
        }

        public boolean isFinished() {
            return outcome != null;
        }
    }

    /**
     * What {@link #writeGroup} did: the shard it staged, or the decision's outcome (FAILED, or
     * PUBLISHED when an earlier attempt already published it).
     */
    record GroupOutcome(FileEntry shard, CheckpointPublished outcome) {
        public GroupOutcome {
            if ((shard == null) == (outcome == null)) {
                throw new IllegalArgumentException("expected a shard or an outcome, not both");
            }
        }

        public static GroupOutcome staged(FileEntry shard) {
            return new GroupOutcome(Objects.requireNonNull(shard, "shard"), null);
        }

        public static GroupOutcome finished(CheckpointPublished outcome) {
            return new GroupOutcome(null, Objects.requireNonNull(outcome, "outcome"));
        }

        public boolean isFinished() {
            return outcome != null;
        }
    }

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
