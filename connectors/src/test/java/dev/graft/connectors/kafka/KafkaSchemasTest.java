package dev.graft.connectors.kafka;

import dev.graft.connectors.serde.Decoded;
import dev.graft.connectors.serde.ErrorCode;
import dev.graft.connectors.serde.Fixtures;
import dev.graft.connectors.serde.TopicCodec;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.TrainingMetric;

import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
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
    void deserializerYieldsRecordsWithTheirOriginAndDeadLetters() throws Exception {
        IncomingDeserializer<TrainingMetric> schema =
                javaRoundTrip(new IncomingDeserializer<>(codec));
        List<Incoming<TrainingMetric>> out = new ArrayList<>();
        ListCollector<Incoming<TrainingMetric>> collector = new ListCollector<>(out);
        byte[] good = codec.encode(Fixtures.metric());

        schema.deserialize(
                new ConsumerRecord<>("graft.metrics", 2, 10L, Fixtures.key(), good), collector);
        schema.deserialize(
                new ConsumerRecord<>(
                        "graft.metrics",
                        2,
                        11L,
                        Fixtures.key(),
                        "{\"run_id\":".getBytes(StandardCharsets.UTF_8)),
                collector);

        assertThat(out).hasSize(2);
        Sourced<TrainingMetric> record = out.get(0).record;
        assertThat(record.value()).isEqualTo(Fixtures.metric());
        assertThat(record.partition).isEqualTo(2);
        assertThat(record.offset).isEqualTo(10L);
        assertThat(record.bytes).isEqualTo(good);
        assertThat(out.get(0).deadLetter).isNull();
        DeadLetter dead = out.get(1).deadLetter;
        assertThat(out.get(1).isRecord()).isFalse();
        assertThat(dead.getError().getCode()).isEqualTo(ErrorCode.MALFORMED_JSON.name());
        assertThat(dead.getOffset()).isEqualTo(11L);
        assertThat(dead.getJob()).isEqualTo("TriggerJob/metrics");
        assertThat(dead.getRunId()).isEqualTo(Fixtures.RUN);
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
    void producedTypeSerializesBothVariantsThroughFlinkWithoutKryo() throws IOException {
        TypeInformation<Incoming<TrainingMetric>> type =
                new IncomingDeserializer<>(codec).getProducedType();
        assertThat(type).isInstanceOf(PojoTypeInfo.class);
        TypeSerializer<Incoming<TrainingMetric>> serializer =
                type.createSerializer(new SerializerConfigImpl());
        Incoming<TrainingMetric> record =
                Incoming.of(
                        new Sourced<>(
                                Fixtures.metric(),
                                "graft.metrics",
                                1,
                                7L,
                                99L,
                                null,
                                new byte[] {1, 2}));
        Incoming<TrainingMetric> dead = Incoming.rejected(Fixtures.deadLetter());

        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(record, out);
        serializer.serialize(dead, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        Incoming<TrainingMetric> recordBack = serializer.deserialize(in);
        Incoming<TrainingMetric> deadBack = serializer.deserialize(in);

        assertThat(recordBack.record.value()).isEqualTo(Fixtures.metric());
        assertThat(recordBack.record.offset).isEqualTo(7L);
        assertThat(recordBack.record.key).isNull();
        assertThat(recordBack.record.bytes).containsExactly(1, 2);
        assertThat(recordBack.deadLetter).isNull();
        assertThat(deadBack.record).isNull();
        assertThat(deadBack.deadLetter).isEqualTo(Fixtures.deadLetter());
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
