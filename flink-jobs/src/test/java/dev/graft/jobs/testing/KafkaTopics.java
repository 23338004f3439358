package dev.graft.jobs.testing;

import dev.graft.connectors.broker.EmbeddedKafka;
import dev.graft.connectors.serde.Decoded;
import dev.graft.connectors.serde.TopicCodec;
import dev.graft.connectors.topics.TopicAdmin;
import dev.graft.connectors.topics.TopicCatalog;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** Writing Graft records to a real broker and reading them back committed, for the ITCases. */
public final class KafkaTopics implements AutoCloseable {
    private final String bootstrapServers;
    private final TopicCatalog catalog = TopicCatalog.load();
    private final KafkaProducer<byte[], byte[]> producer;

    public KafkaTopics(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        this.producer = producer(bootstrapServers);
    }

    /** Starts an embedded KRaft broker with every topic of ops/kafka/topics.yaml. */
    public static EmbeddedKafka startBroker() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.builder().start();
        TopicAdmin.ensureTopics(
                kafka.bootstrapServers(), TopicCatalog.load(), 1, Duration.ofSeconds(30));
        return kafka;
    }

    /** An idempotent producer of raw bytes, acks=all. */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /**
     * A consumer of every partition of {@code topic} from the beginning, seeing only committed
     * records ({@code isolation.level=read_committed}).
     */
    public static KafkaConsumer<byte[], byte[]> readCommittedConsumer(
            String bootstrapServers, String topic) {
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrapServers,
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
        List<TopicPartition> partitions =
                consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition()))
                        .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** Decodes one of Graft's own records, asserting that it does decode. */
    public static <T extends SpecificRecord> T decode(
            TopicCodec<T> codec, ConsumerRecord<byte[], byte[]> r) {
        Decoded<T> decoded =
                codec.decode(
                        r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value());
        assertThat(decoded).as("Graft's own output decodes").isInstanceOf(Decoded.Valid.class);
        return ((Decoded.Valid<T>) decoded).value();
    }

    /** The catalog topic and codec of a record type. */
    public <T extends SpecificRecord> TopicCodec<T> codec(Class<T> type) {
        return TopicCodec.of(catalog.forSchema(type.getName()).name(), type);
    }

    /** Sends raw bytes keyed by {@code key} and waits for the broker's acknowledgement. */
    public RecordMetadata send(String topic, String key, byte[] value) {
        try {
            return producer.send(
                            new ProducerRecord<>(
                                    topic,
                                    key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                                    value))
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException("Could not send to " + topic, e);
        }
    }

    /** Sends a record to its catalog topic, keyed by {@code runId}. */
    public <T extends SpecificRecord> RecordMetadata send(String runId, T record) {
        @SuppressWarnings("unchecked")
        TopicCodec<T> codec = codec((Class<T>) record.getClass());
        return send(codec.topic(), runId, codec.encode(record));
    }

    /**
     * Reads a topic with {@code isolation.level=read_committed} from the beginning until {@code
     * done} holds for what was read, then on for {@code settle} more (so extra records would be
     * seen), or until {@code timeout}. Every record must decode.
     */
    public <T extends SpecificRecord> List<T> readCommitted(
            Class<T> type, Predicate<List<T>> done, Duration settle, Duration timeout) {
        TopicCodec<T> codec = codec(type);
        List<T> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                readCommittedConsumer(bootstrapServers, codec.topic())) {
            long deadline = System.nanoTime() + timeout.toNanos();
            long settledAt = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settledAt)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    records.add(decode(codec, r));
                }
                if (settledAt == Long.MAX_VALUE && done.test(records)) {
                    settledAt = System.nanoTime() + settle.toNanos();
                }
            }
        }
        return records;
    }

    @Override
    public void close() {
        producer.close();
    }
}
