package dev.graft.connectors.kafka;

import dev.graft.connectors.serde.Decoded;
import dev.graft.connectors.serde.TopicCodec;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Kafka records into {@link Incoming}: a record with its origin, or a dead letter. It never
 * throws on bad input, so one malformed record cannot restart the job forever.
 */
public final class IncomingDeserializer<T extends SpecificRecord>
        implements KafkaRecordDeserializationSchema<Incoming<T>> {
    private static final long serialVersionUID = 1L;

    private final TopicCodec<T> codec;

    /** Decodes with {@code codec}, which names the topic, record type and job for dead letters. */
    public IncomingDeserializer(TopicCodec<T> codec) {
        this.codec = java.util.Objects.requireNonNull(codec, "codec");
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Incoming<T>> out) {
        Decoded<T> decoded =
                codec.decode(
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.timestamp(),
                        record.key(),
                        record.value());
        if (decoded instanceof Decoded.Valid<T> valid) {
            out.collect(
                    Incoming.of(
                            new Sourced<>(
                                    valid.value(),
                                    record.topic(),
                                    record.partition(),
                                    record.offset(),
                                    record.timestamp(),
                                    record.key(),
                                    record.value())));
        } else if (decoded instanceof Decoded.Invalid<T> invalid) {
            out.collect(Incoming.rejected(invalid.deadLetter()));
        }
    }

    @Override
    public TypeInformation<Incoming<T>> getProducedType() {
        return Incoming.typeInfo(codec.recordType());
    }
}
