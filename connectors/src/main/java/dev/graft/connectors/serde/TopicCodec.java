package dev.graft.connectors.serde;

import dev.graft.schema.Contracts;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.ErrorInfo;

import org.apache.avro.specific.SpecificRecord;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Encodes and decodes the values of one topic. Writes {@link WireFormat#AVRO} (single-object
 * encoding) unless told otherwise; reads both formats, detected from the first bytes, resolves
 * values written with any released schema, validates them ({@link RecordValidator}) and turns
 * anything unusable into a {@link DeadLetter} instead of throwing.
 *
 * <pre>{@code
 * TopicCodec<TrainingMetric> codec = TopicCodec.of("graft.metrics", TrainingMetric.class);
 * byte[] value = codec.encode(metric);
 * Decoded<TrainingMetric> d = codec.decode("graft.metrics", 0, 42L, null, key, value);
 * }</pre>
 *
 * <p>Instances are immutable and {@link Serializable} (for Flink); caches are rebuilt lazily after
 * deserialization. Safe to share between threads.
 *
 * @param <T> the record type of the topic
 */
public final class TopicCodec<T extends SpecificRecord> implements Serializable {

    private static final long serialVersionUID = 1L;

    /** {@code DeadLetter.stage} for bytes that could not be turned into a record. */
    public static final String STAGE_DESERIALIZE = "deserialize";

    /** {@code DeadLetter.stage} for records that decoded but failed {@link RecordValidator}. */
    public static final String STAGE_VALIDATE = "validate";

    private static final int SHOWN_BYTES = 8;

    private final String topic;
    private final Class<T> type;
    private final WireFormat writeFormat;
    private final String job;
    private final Clock clock;

    private transient volatile SingleObjectAvro<T> avro;

    private TopicCodec(
            String topic, Class<T> type, WireFormat writeFormat, String job, Clock clock) {
        this.topic = requireNonBlank(topic, "topic");
        this.type = Objects.requireNonNull(type, "type");
        this.writeFormat = Objects.requireNonNull(writeFormat, "writeFormat");
        this.job = Objects.requireNonNull(job, "job");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!Contracts.TOPIC_RECORDS.contains(type)) {
            throw new IllegalArgumentException(
                    "expected a topic record type (one of "
                            + Contracts.TOPIC_RECORDS.stream()
                                    .map(Class::getSimpleName)
                                    .collect(Collectors.toList())
                            + "), found "
                            + type.getName());
        }
    }

    /**
     * A codec for {@code topic} carrying {@code type}, writing Avro, with an empty job name and the
     * system UTC clock for dead letters.
     */
    public static <T extends SpecificRecord> TopicCodec<T> of(String topic, Class<T> type) {
        return new TopicCodec<>(topic, type, WireFormat.AVRO, "", Clock.systemUTC());
    }

    /** The same codec writing {@code format}; reading always accepts both formats. */
    public TopicCodec<T> withWriteFormat(WireFormat format) {
        return new TopicCodec<>(topic, type, format, job, clock);
    }

    /** The same codec naming {@code job} (job and operator) in the dead letters it makes. */
    public TopicCodec<T> withJob(String job) {
        return new TopicCodec<>(topic, type, writeFormat, job, clock);
    }

    /** The same codec stamping dead letters with {@code clock} (must be Serializable for Flink). */
    public TopicCodec<T> withClock(Clock clock) {
        return new TopicCodec<>(topic, type, writeFormat, job, clock);
    }

    public String topic() {
        return topic;
    }

    public Class<T> recordType() {
        return type;
    }

    public WireFormat writeFormat() {
        return writeFormat;
    }

    /**
     * The record's bytes in {@link #writeFormat()}.
     *
     * @throws IllegalArgumentException if the record fails {@link RecordValidator} (it would be
     *     dead-lettered by every reader), naming each problem
     */
    public byte[] encode(T record) {
        return encode(record, writeFormat);
    }

    /** The record's bytes in {@code format}; see {@link #encode(SpecificRecord)}. */
    public byte[] encode(T record, WireFormat format) {
        Objects.requireNonNull(record, "record");
        List<RecordValidator.Violation> violations = RecordValidator.validate(record);
        if (!violations.isEmpty()) {
            throw new IllegalArgumentException(
                    "refusing to write an invalid "
                            + type.getSimpleName()
                            + " to "
                            + topic
                            + ": "
                            + join(violations));
        }
        return switch (format) {
            case AVRO -> avro().encode(record);
            case JSON -> JsonRecords.toJsonBytes(record);
        };
    }

    /** One line of natural JSON for the record (what {@code graft tail} prints). */
    public String toJson(T record) {
        return JsonRecords.toJson(record);
    }

    /**
     * Decodes and validates one Kafka record. Never throws for bad input: anything unusable comes
     * back as {@link Decoded.Invalid} with a {@link DeadLetter} that keeps the original bytes.
     *
     * @param sourceTopic the topic the record was read from
     * @param partition its partition ({@code -1} if not from Kafka)
     * @param offset its offset ({@code -1} if not from Kafka)
     * @param timestampMs its Kafka timestamp, or null
     * @param key the key bytes, or null
     * @param value the value bytes, or null (a tombstone)
     */
    public Decoded<T> decode(
            String sourceTopic,
            int partition,
            long offset,
            Long timestampMs,
            byte[] key,
            byte[] value) {
        Source source = new Source(sourceTopic, partition, offset, timestampMs, key, value);
        WireFormat format = null;
        T record;
        try {
            format = detect(value);
            record =
                    format == WireFormat.AVRO
                            ? avro().decode(value)
                            : JsonRecords.fromTree(JsonRecords.parse(value, type), type);
        } catch (RecordDecodeException e) {
            return invalid(source, format, STAGE_DESERIALIZE, e.code(), e.getMessage(), e, null);
        } catch (RuntimeException | StackOverflowError e) {
            // A bug or a pathological input we did not foresee: still a dead letter, not a crash.
            return invalid(
                    source,
                    format,
                    STAGE_DESERIALIZE,
                    format == WireFormat.JSON ? ErrorCode.MALFORMED_JSON : ErrorCode.MALFORMED_AVRO,
                    "expected a decodable "
                            + type.getSimpleName()
                            + ", decoding failed with "
                            + e
                            + "; report this with the dead letter's value bytes",
                    e,
                    null);
        }
        List<RecordValidator.Violation> violations;
        try {
            violations = RecordValidator.validate(record, key);
        } catch (RuntimeException e) {
            return invalid(
                    source,
                    format,
                    STAGE_VALIDATE,
                    ErrorCode.INVALID_VALUE,
                    "validation failed with " + e + "; report this with the dead letter",
                    e,
                    record);
        }
        if (!violations.isEmpty()) {
            ErrorCode code = violations.get(0).code();
            String message =
                    type.getSimpleName()
                            + " is invalid: "
                            + join(violations)
                            + "; fix the producer (the record is kept in this dead letter)";
            return invalid(source, format, STAGE_VALIDATE, code, message, null, record);
        }
        return new Decoded.Valid<>(record);
    }

    private WireFormat detect(byte[] value) throws RecordDecodeException {
        if (value == null || value.length == 0) {
            throw new RecordDecodeException(
                    ErrorCode.EMPTY_RECORD,
                    "expected a "
                            + type.getSimpleName()
                            + " value, found "
                            + (value == null ? "null (a tombstone)" : "0 bytes")
                            + "; Graft topics never carry tombstones or empty values");
        }
        if (SingleObjectAvro.hasHeader(value)) {
            return WireFormat.AVRO;
        }
        int i = 0;
        if (value.length >= 3
                && (value[0] & 0xff) == 0xEF
                && (value[1] & 0xff) == 0xBB
                && (value[2] & 0xff) == 0xBF) {
            i = 3; // UTF-8 byte order mark
        }
        while (i < value.length && isJsonWhitespace(value[i])) {
            i++;
        }
        if (i == value.length) {
            throw new RecordDecodeException(
                    ErrorCode.EMPTY_RECORD,
                    "expected a " + type.getSimpleName() + " value, found only whitespace");
        }
        if (value[i] == '{') {
            return WireFormat.JSON;
        }
        if (value[i] == '[' || value[i] == '"') {
            // Probably JSON, just not an object: say so precisely if it parses.
            try {
                JsonRecords.parse(value, type);
                return WireFormat.JSON; // fromTree reports "expected a JSON object"
            } catch (RecordDecodeException notJson) {
                // fall through: not JSON either
            }
        }
        String hint = "";
        if (value[0] == 0 && value.length >= 5) {
            hint =
                    " (a leading 00 looks like the Confluent Schema Registry wire format; Graft"
                            + " does not use a registry)";
        }
        throw new RecordDecodeException(
                ErrorCode.NOT_SINGLE_OBJECT_OR_JSON,
                "expected Avro single-object encoding (starting with bytes C3 01) or a JSON object"
                        + " (starting with '{') for "
                        + type.getSimpleName()
                        + ", found "
                        + value.length
                        + " bytes starting "
                        + hex(value)
                        + hint
                        + "; plain Avro binary without the single-object header cannot be read:"
                        + " encode with TopicCodec.encode or Avro's BinaryMessageEncoder");
    }

    private Decoded<T> invalid(
            Source source,
            WireFormat format,
            String stage,
            ErrorCode code,
            String message,
            Throwable cause,
            T record) {
        Optional<String> runId =
                record == null
                        ? Optional.empty()
                        : RecordValidator.runId(record).filter(s -> !s.isBlank());
        if (runId.isEmpty()) {
            runId = RecordValidator.keyAsString(source.key).filter(s -> !s.isBlank());
        }
        String where = source.topic + "[" + source.partition + "]@" + source.offset;
        ErrorInfo error =
                ErrorInfo.newBuilder()
                        .setCode(code.name())
                        .setMessage(where + ": " + message)
                        .setExceptionClass(cause == null ? null : rootCause(cause).getName())
                        .setRetryable(false)
                        .build();
        DeadLetter deadLetter =
                DeadLetter.newBuilder()
                        .setRunId(runId.orElse(null))
                        .setSourceTopic(
                                source.topic == null || source.topic.isBlank()
                                        ? topic
                                        : source.topic)
                        .setPartition(source.partition)
                        .setOffset(source.offset)
                        .setRecordTimestampMs(source.timestampMs)
                        .setKey(source.key == null ? null : ByteBuffer.wrap(source.key.clone()))
                        .setValue(
                                source.value == null ? null : ByteBuffer.wrap(source.value.clone()))
                        .setFormat(format == null ? "unknown" : format.wireName())
                        .setExpectedSchema(type.getName())
                        .setStage(stage)
                        .setError(error)
                        .setJob(job)
                        .setWallTimeMs(clock.millis())
                        .build();
        return new Decoded.Invalid<>(deadLetter);
    }

    private SingleObjectAvro<T> avro() {
        SingleObjectAvro<T> a = avro;
        if (a == null) {
            a = new SingleObjectAvro<>(type);
            avro = a;
        }
        return a;
    }

    private static Class<? extends Throwable> rootCause(Throwable t) {
        return t instanceof RecordDecodeException && t.getCause() != null
                ? t.getCause().getClass()
                : t.getClass();
    }

    private static boolean isJsonWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    private static String hex(byte[] value) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(SHOWN_BYTES, value.length); i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02X", value[i]));
        }
        return value.length > SHOWN_BYTES ? sb + " ..." : sb.toString();
    }

    private static String join(List<RecordValidator.Violation> violations) {
        return violations.stream().map(Object::toString).collect(Collectors.joining("; "));
    }

    private static String requireNonBlank(String s, String name) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("expected a non-blank " + name + ", found " + s);
        }
        return s;
    }

    private record Source(
            String topic, int partition, long offset, Long timestampMs, byte[] key, byte[] value) {}
}
