package dev.graft.jobs;

import dev.graft.connectors.kafka.Sourced;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.ErrorInfo;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.util.OutputTag;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Dead letters for records that decoded fine but that a job stage cannot use (a step that went
 * backwards, a stale generation). They keep the original bytes and Kafka coordinates.
 */
public final class ProcessRejections {
    /** The side output every Graft operator sends its rejections to. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>(
                    "dead-letters",
                    new org.apache.flink.formats.avro.typeutils.AvroTypeInfo<>(DeadLetter.class));

    private ProcessRejections() {}

    /**
     * A dead letter for {@code record} rejected at the process stage.
     *
     * @param code stable machine-readable code, e.g. {@code OUT_OF_ORDER_STEP}
     * @param message what was expected, what was found and what to do
     * @param job job and operator that rejected it
     */
    public static <T extends SpecificRecord> DeadLetter rejected(
            Sourced<T> record, String runId, String code, String message, String job, long nowMs) {
        return DeadLetter.newBuilder()
                .setRunId(runId)
                .setSourceTopic(record.topic)
                .setPartition(record.partition)
                .setOffset(record.offset)
                .setRecordTimestampMs(record.timestampMs)
                .setKey(record.key == null ? null : ByteBuffer.wrap(record.key))
                .setValue(record.bytes == null ? null : ByteBuffer.wrap(record.bytes))
                .setFormat(formatOf(record.bytes))
                .setExpectedSchema(record.value.getSchema().getFullName())
                .setStage("process")
                .setError(
                        ErrorInfo.newBuilder()
                                .setCode(code)
                                .setMessage(message)
                                .setExceptionClass(null)
                                .setRetryable(false)
                                .build())
                .setJob(job)
                .setWallTimeMs(nowMs)
                .build();
    }

    private static String formatOf(byte[] bytes) {
        if (bytes != null && bytes.length >= 2 && (bytes[0] & 0xFF) == 0xC3 && bytes[1] == 0x01) {
            return "avro";
        }
        String head =
                bytes == null
                        ? ""
                        : new String(bytes, 0, Math.min(bytes.length, 16), StandardCharsets.UTF_8);
        return head.stripLeading().startsWith("{") ? "json" : "unknown";
    }
}
