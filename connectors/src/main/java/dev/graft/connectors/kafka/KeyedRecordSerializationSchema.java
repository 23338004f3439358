package dev.graft.connectors.kafka;

import dev.graft.connectors.serde.RecordValidator;
import dev.graft.connectors.serde.TopicCodec;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Writes Graft records to their topic the way every reader expects them: key = the record's run_id
 * in UTF-8 (no key for a dead letter whose run is unknown), value = {@link TopicCodec#encode}
 * bytes, partition chosen by Kafka from the key.
 *
 * <pre>{@code
 * KafkaSink<GrowthDecision> sink = KafkaSink.<GrowthDecision>builder()
 *         .setRecordSerializer(new KeyedRecordSerializationSchema<>(
 *                 TopicCodec.of("graft.decisions", GrowthDecision.class)))
 *         .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
 *         .build();
 * }</pre>
 *
 * @param <T> the record type of the topic
 */
public final class KeyedRecordSerializationSchema<T extends SpecificRecord>
        implements KafkaRecordSerializationSchema<T> {

    private static final long serialVersionUID = 1L;

    private final TopicCodec<T> codec;

    /** Writes to {@link TopicCodec#topic()} in {@link TopicCodec#writeFormat()}. */
    public KeyedRecordSerializationSchema(TopicCodec<T> codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    public TopicCodec<T> codec() {
        return codec;
    }

    /**
     * @throws IllegalArgumentException if the record is invalid (see {@link TopicCodec#encode})
     */
    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            T element, KafkaSinkContext context, Long timestamp) {
        byte[] key =
                RecordValidator.runId(element)
                        .map(id -> id.getBytes(StandardCharsets.UTF_8))
                        .orElse(null);
        return new ProducerRecord<>(codec.topic(), null, timestamp, key, codec.encode(element));
    }
}
