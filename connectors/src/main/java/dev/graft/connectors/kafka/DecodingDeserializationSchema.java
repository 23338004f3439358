package dev.graft.connectors.kafka;

import dev.graft.connectors.serde.Decoded;
import dev.graft.connectors.serde.TopicCodec;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.RecordBatch;

import java.util.Objects;

/**
 * Reads a Graft topic into {@link Decoded} records: valid ones and dead letters, never an
 * exception, so one bad record cannot fail a job into a restart loop. Split the stream with a side
 * output and send the {@link Decoded.Invalid} dead letters to {@code graft.dlq}.
 *
 * <pre>{@code
 * KafkaSource<Decoded<TrainingMetric>> source = KafkaSource.<Decoded<TrainingMetric>>builder()
 *         .setTopics("graft.metrics")
 *         .setDeserializer(new DecodingDeserializationSchema<>(
 *                 TopicCodec.of("graft.metrics", TrainingMetric.class).withJob("TriggerJob")))
 *         .build();
 * }</pre>
 *
 * <p>The produced type is a generic type (Kryo): {@link Decoded} is a sealed interface of records.
 *
 * @param <T> the record type of the topic
 */
public final class DecodingDeserializationSchema<T extends SpecificRecord>
        implements KafkaRecordDeserializationSchema<Decoded<T>> {

    private static final long serialVersionUID = 1L;

    private final TopicCodec<T> codec;

    public DecodingDeserializationSchema(TopicCodec<T> codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    public TopicCodec<T> codec() {
        return codec;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Decoded<T>> out) {
        Long timestamp = record.timestamp() == RecordBatch.NO_TIMESTAMP ? null : record.timestamp();
        out.collect(
                codec.decode(
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        timestamp,
                        record.key(),
                        record.value()));
    }

    @Override
    @SuppressWarnings("unchecked")
    public TypeInformation<Decoded<T>> getProducedType() {
        return TypeInformation.of((Class<Decoded<T>>) (Class<?>) Decoded.class);
    }
}
