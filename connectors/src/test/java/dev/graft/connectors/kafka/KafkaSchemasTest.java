package dev.graft.connectors.kafka;

import dev.graft.connectors.serde.Decoded;
import dev.graft.connectors.serde.ErrorCode;
import dev.graft.connectors.serde.Fixtures;
import dev.graft.connectors.serde.TopicCodec;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.TrainingMetric;

import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaSchemasTest {

    private final TopicCodec<TrainingMetric> codec =
            TopicCodec.of("graft.metrics", TrainingMetric.class).withJob("TriggerJob/metrics");

    @Test
    void deserializerYieldsValidRecordsAndDeadLetters() throws Exception {
        DecodingDeserializationSchema<TrainingMetric> schema =
                javaRoundTrip(new DecodingDeserializationSchema<>(codec));
        List<Decoded<TrainingMetric>> out = new ArrayList<>();
        ListCollector<Decoded<TrainingMetric>> collector = new ListCollector<>(out);

        schema.deserialize(
                new ConsumerRecord<>(
                        "graft.metrics", 2, 10L, Fixtures.key(), codec.encode(Fixtures.metric())),
                collector);
        schema.deserialize(
                new ConsumerRecord<>(
                        "graft.metrics",
                        2,
                        11L,
                        Fixtures.key(),
                        "{\"run_id\":".getBytes(StandardCharsets.UTF_8)),
                collector);

        assertThat(out).hasSize(2);
        assertThat(out.get(0)).isEqualTo(new Decoded.Valid<>(Fixtures.metric()));
        Decoded.Invalid<TrainingMetric> invalid = (Decoded.Invalid<TrainingMetric>) out.get(1);
        assertThat(invalid.code()).isEqualTo(ErrorCode.MALFORMED_JSON);
        assertThat(invalid.deadLetter().getOffset()).isEqualTo(11L);
        assertThat(invalid.deadLetter().getRecordTimestampMs()).isNull();
        assertThat(invalid.deadLetter().getJob()).isEqualTo("TriggerJob/metrics");
        assertThat(invalid.deadLetter().getRunId()).isEqualTo(Fixtures.RUN);
    }

    @Test
    void serializerKeysByRunIdAndWritesCodecBytes() throws Exception {
        KeyedRecordSerializationSchema<TrainingMetric> schema =
                javaRoundTrip(new KeyedRecordSerializationSchema<>(codec));

        ProducerRecord<byte[], byte[]> record = schema.serialize(Fixtures.metric(), null, 123L);

        assertThat(record.topic()).isEqualTo("graft.metrics");
        assertThat(record.partition()).isNull();
        assertThat(record.timestamp()).isEqualTo(123L);
        assertThat(record.key()).isEqualTo(Fixtures.key());
        assertThat(codec.decode("graft.metrics", 0, 0, null, record.key(), record.value()))
                .isEqualTo(new Decoded.Valid<>(Fixtures.metric()));
    }

    @Test
    void deadLettersWithoutARunHaveNoKey() {
        DeadLetter d = Fixtures.deadLetter();
        d.setRunId(null);
        KeyedRecordSerializationSchema<DeadLetter> schema =
                new KeyedRecordSerializationSchema<>(TopicCodec.of("graft.dlq", DeadLetter.class));

        assertThat(schema.serialize(d, null, null).key()).isNull();
    }

    @Test
    void producedTypeSerializesThroughFlink() throws IOException {
        DecodingDeserializationSchema<TrainingMetric> schema =
                new DecodingDeserializationSchema<>(codec);
        TypeSerializer<Decoded<TrainingMetric>> serializer =
                schema.getProducedType().createSerializer(new SerializerConfigImpl());
        Decoded<TrainingMetric> valid = new Decoded.Valid<>(Fixtures.metric());
        Decoded<TrainingMetric> invalid = new Decoded.Invalid<>(Fixtures.deadLetter());

        for (Decoded<TrainingMetric> d : List.of(valid, invalid)) {
            DataOutputSerializer out = new DataOutputSerializer(256);
            serializer.serialize(d, out);
            Decoded<TrainingMetric> back =
                    serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            assertThat(back).isEqualTo(d);
            assertThat(serializer.copy(d)).isEqualTo(d);
        }
    }

    @SuppressWarnings("unchecked")
    private static <S> S javaRoundTrip(S object) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (S) in.readObject();
        }
    }
}
