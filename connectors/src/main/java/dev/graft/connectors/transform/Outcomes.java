package dev.graft.connectors.transform;

import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.ErrorInfo;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.PublishStatus;

import java.util.List;

/** Builds the record that says a decision could not be carried out, and why. */
public final class Outcomes {
    private Outcomes() {}

    /**
     * A FAILED outcome for {@code decision}.
     *
     * @param code stable error code, e.g. {@code SOURCE_MISSING}, {@code IMPOSSIBLE_TARGET}, {@code
     *     VERIFICATION_FAILED}, {@code TIMEOUT}, {@code INTERNAL}
     * @param message what was expected, what was found and what to do
     * @param retryable whether carrying out the same decision again may succeed
     */
    public static CheckpointPublished failed(
            GrowthDecision decision,
            String code,
            String message,
            boolean retryable,
            String graftVersion,
            long nowMs) {
        return CheckpointPublished.newBuilder()
                .setRunId(decision.getRunId())
                .setDecisionId(decision.getDecisionId())
                .setStatus(PublishStatus.FAILED)
                .setError(
                        ErrorInfo.newBuilder()
                                .setCode(code)
                                .setMessage(message)
                                .setExceptionClass(null)
                                .setRetryable(retryable)
                                .build())
                .setGeneration(decision.getGeneration() + 1)
                .setParent(decision.getSourceCheckpoint())
                .setCheckpoint(null)
                .setOperator(decision.getOperator())
                .setOperatorOptions(decision.getOperatorOptions())
                .setSourceArch(decision.getSourceArch())
                .setTargetArch(decision.getTargetArch())
                .setVerification(null)
                .setFiles(List.of())
                .setTotalBytes(0)
                .setSchedule(null)
                .setWallTimeMs(nowMs)
                .setGraftVersion(graftVersion)
                .build();
    }
}
