package dev.graft.connectors.serde;

import dev.graft.schema.BudgetChange;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.CheckpointSaved;
import dev.graft.schema.Contracts;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.GrowthCommand;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;
import dev.graft.schema.TransformProgress;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicCodecTest {

    static final Map<Class<? extends SpecificRecord>, String> TOPICS =
            Map.of(
                    TrainingMetric.class, "graft.metrics",
                    CheckpointSaved.class, "graft.checkpoints.saved",
                    BudgetChange.class, "graft.budget",
                    GrowthCommand.class, "graft.commands",
                    GrowthDecision.class, "graft.decisions",
                    CheckpointPublished.class, "graft.checkpoints.published",
                    TransformProgress.class, "graft.progress",
                    DeadLetter.class, "graft.dlq");

    static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(Fixtures.T0 + 99), ZoneOffset.UTC);

    static final TopicCodec<TrainingMetric> METRICS =
            TopicCodec.of("graft.metrics", TrainingMetric.class).withJob("test").withClock(CLOCK);
    static final TopicCodec<DeadLetter> DLQ = TopicCodec.of("graft.dlq", DeadLetter.class);

    @SuppressWarnings("unchecked")
    static <T extends SpecificRecord> TopicCodec<T> codecFor(T record) {
        Class<T> type = (Class<T>) record.getClass();
        return TopicCodec.of(TOPICS.get(type), type).withClock(CLOCK);
    }

    static Stream<Arguments> recordsAndFormats() {
        return Fixtures.all().stream()
                .flatMap(
                        r ->
                                Arrays.stream(WireFormat.values())
                                        .map(f -> Arguments.of(r.getSchema().getName(), f, r)));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("recordsAndFormats")
    void everyRecordTypeRoundTripsInBothFormats(
            String name, WireFormat format, SpecificRecord record) {
        TopicCodec<SpecificRecord> codec = codecFor(record);
        byte[] bytes = codec.encode(record, format);

        Decoded<SpecificRecord> decoded =
                codec.decode(codec.topic(), 0, 7L, Fixtures.T0, Fixtures.key(), bytes);

        assertThat(decoded).isInstanceOf(Decoded.Valid.class);
        assertThat(((Decoded.Valid<SpecificRecord>) decoded).value()).isEqualTo(record);
        if (format == WireFormat.AVRO) {
            assertThat(bytes[0]).isEqualTo((byte) 0xC3);
            assertThat(bytes[1]).isEqualTo((byte) 0x01);
        } else {
            assertThat(new String(bytes, StandardCharsets.UTF_8))
                    .startsWith("{")
                    .doesNotContain("\n");
        }
    }

    @Test
    void everyTopicTypeHasAFixture() {
        assertThat(Fixtures.all().stream().map(Object::getClass).toList())
                .containsExactlyElementsOf(Contracts.TOPIC_RECORDS);
    }

    @Test
    void naturalJsonFromATrainerDecodesWithDefaults() {
        String json =
                "{\"run_id\":\"r1\",\"step\":10,\"wall_time_ms\":1700000000000,"
                        + "\"metrics\":{\"loss\":2.31}}";

        TrainingMetric m = valid(METRICS.decode("graft.metrics", 0, 1, null, null, utf8(json)));

        assertThat(m.getRunId()).isEqualTo("r1");
        assertThat(m.getGeneration()).isZero();
        assertThat(m.getSplit()).isEqualTo("train");
        assertThat(m.getTokensSeen()).isNull();
        assertThat(m.getMetrics()).containsEntry("loss", 2.31);
    }

    @Test
    void toJsonIsOneLineOfNaturalJson() {
        TrainingMetric m = Fixtures.metric();

        String json = METRICS.toJson(m);

        assertThat(json)
                .isEqualTo(
                        "{\"run_id\":\"gpt2-small-run-7\",\"generation\":1,\"step\":12000,"
                                + "\"wall_time_ms\":1700000000000,\"metrics\":{\"loss\":2.31,"
                                + "\"lr\":3.0E-4,\"grad_norm\":\"NaN\",\"loss_scale\":\"Infinity\"},"
                                + "\"split\":\"eval\",\"tokens_seen\":6291456000,"
                                + "\"source\":\"trainer-0.us-east\"}");
    }

    @Test
    void jsonNullsEnumsAndBytesAreNatural() {
        DeadLetter d = Fixtures.deadLetter();
        d.setRunId(null);
        d.setKey(null);

        String json = DLQ.toJson(d);

        assertThat(json).contains("\"run_id\":null").contains("\"key\":null");
        assertThat(json).contains("\"value\":\"wwEH\""); // base64 of C3 01 07
        assertThat(DLQ.toJson(valid(DLQ.decode("graft.dlq", 0, 0, null, null, utf8(json)))))
                .isEqualTo(json);
        String command = codecFor(Fixtures.command()).toJson(Fixtures.command());
        assertThat(command).contains("\"action\":\"GROW\"").contains("\"rope_theta\":null");
    }

    @Test
    void nonFiniteDoublesAreAcceptedAsTokensAndStrings() {
        String json =
                "{\"run_id\":\"r1\",\"step\":1,\"wall_time_ms\":1,\"metrics\":{"
                        + "\"a\":NaN,\"b\":Infinity,\"c\":-Infinity,"
                        + "\"d\":\"NaN\",\"e\":\"Infinity\",\"f\":\"-Infinity\",\"g\":1e3,\"h\":7}}";

        TrainingMetric m = valid(METRICS.decode("graft.metrics", 0, 1, null, null, utf8(json)));

        assertThat(m.getMetrics().get("a")).isNaN();
        assertThat(m.getMetrics().get("d")).isNaN();
        assertThat(m.getMetrics()).containsEntry("b", Double.POSITIVE_INFINITY);
        assertThat(m.getMetrics()).containsEntry("e", Double.POSITIVE_INFINITY);
        assertThat(m.getMetrics()).containsEntry("c", Double.NEGATIVE_INFINITY);
        assertThat(m.getMetrics()).containsEntry("f", Double.NEGATIVE_INFINITY);
        assertThat(m.getMetrics()).containsEntry("g", 1000.0).containsEntry("h", 7.0);
    }

    @Test
    void explicitNullsForNullableFieldsAndIntegralFloatsForLongs() {
        String json =
                "{\"run_id\":\"r1\",\"step\":1.2e1,\"wall_time_ms\":1,\"metrics\":{\"loss\":1},"
                        + "\"tokens_seen\":null,\"source\":null}";

        TrainingMetric m = valid(METRICS.decode("graft.metrics", 0, 1, null, null, utf8(json)));

        assertThat(m.getStep()).isEqualTo(12);
        assertThat(m.getSource()).isNull();
    }

    @Test
    void avroWrittenWithTheReleasedSchemaDecodes() throws IOException {
        Schema released = Contracts.releasedSchema("0.1.0", TrainingMetric.class).orElseThrow();
        GenericData.Record r = new GenericData.Record(released);
        r.put("run_id", "r1");
        r.put("generation", 0);
        r.put("step", 5L);
        r.put("wall_time_ms", 6L);
        r.put("metrics", Map.of("loss", 1.5));
        r.put("split", "train");
        r.put("tokens_seen", null);
        r.put("source", null);
        byte[] value = singleObject(released, new GenericDatumWriter<>(released), r);

        TrainingMetric m = valid(METRICS.decode("graft.metrics", 0, 1, null, null, value));

        assertThat(m.getStep()).isEqualTo(5);
    }

    @Test
    void encodeRefusesInvalidRecords() {
        TrainingMetric m = Fixtures.metric();
        m.setStep(-3);

        assertThatThrownBy(() -> METRICS.encode(m))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("$.step: expected >= 0, found -3");
    }

    @Test
    void aCodecIsOnlyForTopicRecordTypes() {
        assertThatThrownBy(() -> TopicCodec.of("x", dev.graft.schema.ArchSpec.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected a topic record type");
    }

    /** One malformed input, the code it must produce and a fragment of the message. */
    record Bad(String name, byte[] key, byte[] value, ErrorCode code, String fragment) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Bad> malformedInputs() throws IOException {
        byte[] key = Fixtures.key();
        byte[] good = METRICS.encode(Fixtures.metric());
        byte[] random = new byte[64];
        new Random(42).nextBytes(random);
        random[0] = 0x13; // neither C3 nor '{' nor whitespace
        byte[] budget = codecFor(Fixtures.budget()).encode(Fixtures.budget());
        byte[] unknownFingerprint = good.clone();
        unknownFingerprint[5] ^= 0x5A;
        Schema schema = TrainingMetric.getClassSchema();
        byte[] plainBinary = plain(schema, Fixtures.metric());
        byte[] hugeString =
                concat(
                        Arrays.copyOf(good, 10),
                        new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F});
        // run_id "r", generation 0, step 1, wall_time 1, map with 2^30 entries claimed.
        byte[] hugeMap =
                concat(
                        Arrays.copyOf(good, 10),
                        new byte[] {
                            2,
                            'r',
                            0,
                            2,
                            2,
                            (byte) 0x80,
                            (byte) 0x80,
                            (byte) 0x80,
                            (byte) 0x80,
                            0x08
                        });
        String ok = "\"run_id\":\"gpt2-small-run-7\",\"wall_time_ms\":1,\"metrics\":{\"loss\":1}";
        return Stream.of(
                new Bad(
                        "random bytes",
                        key,
                        random,
                        ErrorCode.NOT_SINGLE_OBJECT_OR_JSON,
                        "expected Avro single-object encoding (starting with bytes C3 01) or a JSON object"),
                new Bad("empty value", key, new byte[0], ErrorCode.EMPTY_RECORD, "found 0 bytes"),
                new Bad("tombstone", key, null, ErrorCode.EMPTY_RECORD, "null (a tombstone)"),
                new Bad("whitespace", key, utf8(" \n "), ErrorCode.EMPTY_RECORD, "only whitespace"),
                new Bad(
                        "truncated avro",
                        key,
                        Arrays.copyOf(good, good.length - 5),
                        ErrorCode.MALFORMED_AVRO,
                        "truncated"),
                new Bad(
                        "truncated header",
                        key,
                        Arrays.copyOf(good, 6),
                        ErrorCode.MALFORMED_AVRO,
                        "found only 6 bytes"),
                new Bad(
                        "avro of another type",
                        key,
                        budget,
                        ErrorCode.UNKNOWN_SCHEMA,
                        "is a dev.graft.schema.BudgetChange (current schema): the record was produced to the wrong topic"),
                new Bad(
                        "unknown fingerprint",
                        key,
                        unknownFingerprint,
                        ErrorCode.UNKNOWN_SCHEMA,
                        "which no Graft release knows"),
                new Bad(
                        "plain avro binary",
                        key,
                        plainBinary,
                        ErrorCode.NOT_SINGLE_OBJECT_OR_JSON,
                        "plain Avro binary without the single-object header"),
                new Bad(
                        "confluent framing",
                        key,
                        concat(new byte[] {0, 0, 0, 0, 7}, plainBinary),
                        ErrorCode.NOT_SINGLE_OBJECT_OR_JSON,
                        "Confluent Schema Registry"),
                new Bad(
                        "trailing bytes",
                        key,
                        concat(good, new byte[] {1, 2, 3}),
                        ErrorCode.TRAILING_BYTES,
                        "found 3 more bytes"),
                new Bad(
                        "huge string length",
                        key,
                        hugeString,
                        ErrorCode.MALFORMED_AVRO,
                        "but only 0 remain"),
                new Bad(
                        "huge map count",
                        key,
                        hugeMap,
                        ErrorCode.MALFORMED_AVRO,
                        "block of 1073741824 items"),
                new Bad(
                        "json array",
                        key,
                        utf8("[1,2]"),
                        ErrorCode.MALFORMED_JSON,
                        "expected a JSON object {...} for TrainingMetric, found an array"),
                new Bad(
                        "json string",
                        key,
                        utf8("\"hello\""),
                        ErrorCode.MALFORMED_JSON,
                        "found a string \"hello\""),
                new Bad(
                        "malformed json",
                        key,
                        utf8("{\"run_id\": "),
                        ErrorCode.MALFORMED_JSON,
                        "found malformed JSON at line 1"),
                new Bad(
                        "duplicate json field",
                        key,
                        utf8("{\"step\":1,\"step\":2," + ok + "}"),
                        ErrorCode.MALFORMED_JSON,
                        "Duplicate field 'step'"),
                new Bad(
                        "trailing json",
                        key,
                        utf8("{\"step\":1," + ok + "} {}"),
                        ErrorCode.MALFORMED_JSON,
                        "malformed JSON"),
                new Bad(
                        "deeply nested json",
                        key,
                        utf8("{\"run_id\":" + "[".repeat(5000) + "]".repeat(5000) + "}"),
                        ErrorCode.MALFORMED_JSON,
                        "nesting depth"),
                new Bad(
                        "avro-style union json",
                        key,
                        utf8("{\"step\":1,\"tokens_seen\":{\"long\":5}," + ok + "}"),
                        ErrorCode.WRONG_TYPE,
                        "$.tokens_seen: expected an integer (long) or null, found an object"),
                new Bad(
                        "missing field",
                        key,
                        utf8("{" + ok + "}"),
                        ErrorCode.MISSING_FIELD,
                        "missing required field $.step: expected long (it has no default)"),
                new Bad(
                        "mistyped field",
                        key,
                        utf8("{\"step\":\"ten\"," + ok + "}"),
                        ErrorCode.WRONG_TYPE,
                        "$.step: expected an integer (long), found a string \"ten\""),
                new Bad(
                        "fractional long",
                        key,
                        utf8("{\"step\":1.5," + ok + "}"),
                        ErrorCode.WRONG_TYPE,
                        "found the number 1.5"),
                new Bad(
                        "int out of range",
                        key,
                        utf8("{\"step\":1,\"generation\":3000000000," + ok + "}"),
                        ErrorCode.WRONG_TYPE,
                        "$.generation: expected an integer (int) in [-2147483648, 2147483647]"),
                new Bad(
                        "mistyped metric",
                        key,
                        utf8(
                                "{\"step\":1,\"run_id\":\"r\",\"wall_time_ms\":1,\"metrics\":{\"loss\":\"high\"}}"),
                        ErrorCode.WRONG_TYPE,
                        "$.metrics.loss: expected a number (double"),
                new Bad(
                        "mistyped nullable",
                        key,
                        utf8("{\"step\":1,\"tokens_seen\":\"many\"," + ok + "}"),
                        ErrorCode.WRONG_TYPE,
                        "$.tokens_seen: expected an integer (long) or null, found a string"),
                new Bad(
                        "null for required",
                        key,
                        utf8("{\"step\":null," + ok + "}"),
                        ErrorCode.WRONG_TYPE,
                        "$.step: expected an integer (long), found null"),
                new Bad(
                        "unknown field",
                        key,
                        utf8("{\"step\":1,\"epoch\":3," + ok + "}"),
                        ErrorCode.UNKNOWN_FIELD,
                        "unknown field $.epoch: TrainingMetric has fields [run_id"),
                new Bad(
                        "misspelled field",
                        key,
                        utf8("{\"stpe\":1," + ok + "}"),
                        ErrorCode.UNKNOWN_FIELD,
                        "unknown field $.stpe: TrainingMetric has fields [run_id, generation, step, wall_time_ms, metrics, split, tokens_seen, source] (missing: [step])"),
                new Bad(
                        "negative step",
                        key,
                        utf8("{\"step\":-1," + ok + "}"),
                        ErrorCode.INVALID_VALUE,
                        "$.step: expected >= 0, found -1"),
                new Bad(
                        "blank run_id",
                        null,
                        utf8(
                                "{\"run_id\":\"  \",\"step\":1,\"wall_time_ms\":1,\"metrics\":{\"loss\":1}}"),
                        ErrorCode.INVALID_VALUE,
                        "$.run_id: expected a non-blank run id, found \"  \""),
                new Bad(
                        "blank metric key",
                        key,
                        utf8(
                                "{\"step\":1,\"run_id\":\"gpt2-small-run-7\",\"wall_time_ms\":1,\"metrics\":{\" \":1}}"),
                        ErrorCode.INVALID_VALUE,
                        "$.metrics: expected non-blank keys"),
                new Bad(
                        "key mismatch",
                        utf8("other-run"),
                        good,
                        ErrorCode.KEY_MISMATCH,
                        "expected the Kafka key to equal $.run_id \"gpt2-small-run-7\", found key \"other-run\""),
                new Bad(
                        "key not utf-8",
                        new byte[] {(byte) 0xFF, (byte) 0xFE},
                        good,
                        ErrorCode.KEY_MISMATCH,
                        "bytes that are not UTF-8"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedInputs")
    void malformedInputsBecomeDeadLettersWithCodeAndMessage(Bad bad) {
        Decoded<TrainingMetric> decoded =
                METRICS.decode("graft.metrics", 3, 42L, Fixtures.T0, bad.key(), bad.value());

        assertThat(decoded).isInstanceOf(Decoded.Invalid.class);
        Decoded.Invalid<TrainingMetric> invalid = (Decoded.Invalid<TrainingMetric>) decoded;
        assertThat(invalid.code()).isEqualTo(bad.code());
        assertThat(invalid.message()).contains(bad.fragment()).startsWith("graft.metrics[3]@42: ");
        DeadLetter d = invalid.deadLetter();
        assertThat(d.getSourceTopic()).isEqualTo("graft.metrics");
        assertThat(d.getPartition()).isEqualTo(3);
        assertThat(d.getOffset()).isEqualTo(42L);
        assertThat(d.getRecordTimestampMs()).isEqualTo(Fixtures.T0);
        assertThat(d.getExpectedSchema()).isEqualTo("dev.graft.schema.TrainingMetric");
        assertThat(d.getJob()).isEqualTo("test");
        assertThat(d.getWallTimeMs()).isEqualTo(Fixtures.T0 + 99);
        assertThat(d.getStage())
                .isEqualTo(
                        bad.code() == ErrorCode.INVALID_VALUE
                                        || bad.code() == ErrorCode.KEY_MISMATCH
                                ? "validate"
                                : "deserialize");
        assertThat(bytes(d.getValue())).isEqualTo(bad.value());
        assertThat(bytes(d.getKey())).isEqualTo(bad.key());
        if (bad.key() == Fixtures.key()) {
            assertThat(d.getRunId()).isEqualTo(Fixtures.RUN);
        }
        // The dead letter itself is a valid record for graft.dlq.
        assertThat(DLQ.decode("graft.dlq", 0, 0, null, null, DLQ.encode(d)).isValid()).isTrue();
    }

    @Test
    void invalidEnumSymbolNamesTheSymbolsAndHintsAtCase() {
        String json =
                codecFor(Fixtures.command())
                        .toJson(Fixtures.command())
                        .replace("\"GROW\"", "\"grow\"");
        TopicCodec<GrowthCommand> commands = TopicCodec.of("graft.commands", GrowthCommand.class);

        Decoded<GrowthCommand> d = commands.decode("graft.commands", 0, 0, null, null, utf8(json));

        assertThat(((Decoded.Invalid<GrowthCommand>) d).message())
                .contains(
                        "$.action: expected one of [GROW, SHRINK, UNSHARE, HOLD, RELEASE, UNKNOWN]")
                .contains("did you mean GROW?");
    }

    @Test
    void nestedErrorsNameTheFullPath() {
        TopicCodec<CheckpointSaved> codec = codecFor(Fixtures.checkpointSaved());
        String json =
                codec.toJson(Fixtures.checkpointSaved()).replace("\"bytes\":665", "\"bytes\":true");

        Decoded<CheckpointSaved> d =
                codec.decode("graft.checkpoints.saved", 0, 0, null, null, utf8(json));

        assertThat(((Decoded.Invalid<CheckpointSaved>) d).message())
                .contains("$.files[0].bytes: expected an integer (long), found the boolean true");
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void randomMutationsNeverThrowAndAlwaysExplain(WireFormat format) {
        Random random = new Random(20_241_101L + format.ordinal());
        List<SpecificRecord> records = Fixtures.all();
        Map<Class<?>, TopicCodec<SpecificRecord>> codecs = new HashMap<>();
        Map<ErrorCode, Integer> seen = new HashMap<>();
        int valid = 0;
        for (int i = 0; i < 10_000; i++) {
            SpecificRecord record = records.get(random.nextInt(records.size()));
            TopicCodec<SpecificRecord> codec =
                    codecs.computeIfAbsent(record.getClass(), c -> codecFor(record));
            byte[] value = mutate(codec.encode(record, format), random);

            Decoded<SpecificRecord> d =
                    codec.decode(codec.topic(), 0, i, null, Fixtures.key(), value);

            if (d instanceof Decoded.Invalid<SpecificRecord> invalid) {
                assertThat(invalid.message()).isNotBlank().doesNotContain("report this");
                seen.merge(invalid.code(), 1, Integer::sum);
            } else {
                valid++;
            }
        }
        assertThat(seen).isNotEmpty();
        assertThat(valid).isLessThan(10_000);
    }

    private static byte[] mutate(byte[] value, Random random) {
        byte[] v = value.clone();
        int kind = random.nextInt(6);
        switch (kind) {
            case 0: // flip a few bits, keeping the Avro header mostly intact
                for (int n = 1 + random.nextInt(3); n > 0; n--) {
                    int at = random.nextInt(v.length);
                    v[at] ^= (byte) (1 << random.nextInt(8));
                }
                return v;
            case 1: // overwrite a byte with a random value
                v[random.nextInt(v.length)] = (byte) random.nextInt(256);
                return v;
            case 2: // truncate
                return Arrays.copyOf(v, random.nextInt(v.length));
            case 3: // delete a byte
                int del = random.nextInt(v.length);
                byte[] shorter = new byte[v.length - 1];
                System.arraycopy(v, 0, shorter, 0, del);
                System.arraycopy(v, del + 1, shorter, del, v.length - del - 1);
                return shorter;
            case 4: // insert a random byte
                int ins = random.nextInt(v.length + 1);
                byte[] longer = new byte[v.length + 1];
                System.arraycopy(v, 0, longer, 0, ins);
                longer[ins] = (byte) random.nextInt(256);
                System.arraycopy(v, ins, longer, ins + 1, v.length - ins);
                return longer;
            default: // a varint-looking run of 0xFF in the body: huge lengths and counts
                int at = Math.min(v.length - 1, 10 + random.nextInt(Math.max(1, v.length - 10)));
                for (int k = at; k < Math.min(v.length - 1, at + 4); k++) {
                    v[k] = (byte) 0xFF;
                }
                return v;
        }
    }

    static <T extends SpecificRecord> T valid(Decoded<T> decoded) {
        assertThat(decoded)
                .as(() -> decoded instanceof Decoded.Invalid<T> i ? i.message() : "")
                .isInstanceOf(Decoded.Valid.class);
        return ((Decoded.Valid<T>) decoded).value();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] plain(Schema schema, SpecificRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<SpecificRecord>(schema).write(record, enc);
        enc.flush();
        return out.toByteArray();
    }

    private static <R> byte[] singleObject(Schema schema, GenericDatumWriter<R> writer, R record)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xC3);
        out.write(0x01);
        long fp = Contracts.fingerprint(schema);
        for (int i = 0; i < 8; i++) {
            out.write((int) (fp >>> (8 * i)) & 0xff);
        }
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        writer.write(record, enc);
        enc.flush();
        return out.toByteArray();
    }
}
