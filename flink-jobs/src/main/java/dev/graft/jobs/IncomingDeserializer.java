package dev.graft.jobs;

import dev.graft.connectors.serde.Decoded;
import dev.graft.connectors.serde.TopicCodec;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Kafka records into {@link Incoming}: a record with its origin, or a dead letter. It never
 * throws on bad input, so one malformed record cannot restart the job forever.
 */
public final class IncomingDeserializer<T extends SpecificRecordBase>
        implements KafkaRecordDeserializationSchema<Incoming<T>> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final Class<T> recordClass;
    private final String job;
    private transient TopicCodec<T> codec;

    /**
     * @param topic the topic read
     * @param recordClass the record type it carries
     * @param job job name recorded in dead letters
     */
    public IncomingDeserializer(String topic, Class<T> recordClass, String job) {
        this.topic = topic;
        this.recordClass = recordClass;
        this.job = job;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Incoming<T>> out) {
        if (codec == null) {
            codec = TopicCodec.of(topic, recordClass).withJob(job);
        }
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
        return Incoming.typeInfo(recordClass);
    }
}
