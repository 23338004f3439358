package dev.graft.jobs.transform;

import dev.graft.connectors.serde.RecordValidator;
import dev.graft.jobs.ProcessRejections;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.PublishStatus;

import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

import java.util.List;

/**
 * Every outcome goes to {@code graft.checkpoints.published} (the trainer waits on it, failed or
 * not); a failed one also goes to the dead letters with the decision's bytes and coordinates.
 */
final class FailuresToDeadLetters extends ProcessFunction<TransformResult, CheckpointPublished> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(
            TransformResult result, Context ctx, Collector<CheckpointPublished> out) {
        CheckpointPublished outcome = result.outcome;
        List<RecordValidator.Violation> violations = RecordValidator.validate(outcome);
        if (!violations.isEmpty()) {
            // An executor bug must not take the job down (the sink would refuse the record and
            // the job would restart forever): the decision goes to the dead letters instead.
            ctx.output(
                    ProcessRejections.DEAD_LETTERS,
                    ProcessRejections.rejected(
                            result.decision,
                            result.decision.value().getRunId(),
                            "INVALID_OUTCOME",
                            "Decision "
                                    + result.decision.value().getDecisionId()
                                    + " produced an invalid CheckpointPublished ("
                                    + violations
                                    + "); this is a bug in the transform, please report it",
                            TransformJob.NAME + "/transform",
                            System.currentTimeMillis()));
            return;
        }
        out.collect(outcome);
        if (outcome.getStatus() != PublishStatus.PUBLISHED) {
            ctx.output(
                    ProcessRejections.DEAD_LETTERS,
                    ProcessRejections.rejected(
                            result.decision,
                            outcome.getRunId(),
                            outcome.getError().getCode(),
                            "Decision "
                                    + outcome.getDecisionId()
                                    + " of run "
                                    + outcome.getRunId()
                                    + " was not carried out: "
                                    + outcome.getError().getMessage(),
                            TransformJob.NAME + "/transform",
                            outcome.getWallTimeMs()));
        }
    }
}
