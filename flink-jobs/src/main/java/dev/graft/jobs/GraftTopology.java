package dev.graft.jobs;

import dev.graft.connectors.serde.TopicCodec;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.jobs.trigger.TriggerJob;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Wires Graft's jobs to Kafka: topics from the {@link TopicCatalog}, exactly-once transactional
 * sinks, read_committed sources, Avro single-object encoding.
 */
public final class GraftTopology {
    private final GraftSettings settings;
    private final TopicCatalog topics;

    public GraftTopology(GraftSettings settings, TopicCatalog topics) {
        this.settings = settings;
        this.topics = topics;
    }

    /** Checkpointing for exactly-once delivery, as every Graft job needs it. */
    public void configure(StreamExecutionEnvironment env) {
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        env.enableCheckpointing(
                settings.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
    }

    /** The TriggerJob reading and writing Graft's Kafka topics. */
    public TriggerJob triggerJob(String graftVersion) {
        return new TriggerJob(
                source(TrainingMetric.class, TriggerJob.NAME),
                sink(
                        GrowthDecision.class,
                        GrowthDecision::getRunId,
                        TriggerJob.NAME + "-decisions"),
                sink(DeadLetter.class, DeadLetter::getRunId, TriggerJob.NAME + "-dlq"),
                settings,
                graftVersion);
    }

    /** A read_committed source of a catalog topic, starting at committed offsets or earliest. */
    public <T extends SpecificRecordBase> KafkaSource<Incoming<T>> source(
            Class<T> recordClass, String jobName) {
        String topic = topics.forSchema(recordClass.getName()).name();
        return KafkaSource.<Incoming<T>>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setTopics(topic)
                .setGroupId(settings.groupIdPrefix() + "-" + jobName)
                .setStartingOffsets(
                        OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(
                        new IncomingDeserializer<>(topic, recordClass, jobName + "/decode"))
                .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .setProperty("partition.discovery.interval.ms", "60000")
                .build();
    }

    /** An exactly-once transactional sink to the catalog topic of {@code recordClass}. */
    public <T extends SpecificRecordBase> KafkaSink<T> sink(
            Class<T> recordClass, SerializableKey<T> runId, String transactionalName) {
        String topic = topics.forSchema(recordClass.getName()).name();
        return KafkaSink.<T>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(
                        settings.transactionalIdPrefix() + "-" + transactionalName)
                .setProperty(
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                        String.valueOf(settings.transactionTimeout().toMillis()))
                .setRecordSerializer(new KeyedSerializer<>(topic, recordClass, runId))
                .build();
    }

    /** Extracts the run id, the key of every Graft record. */
    @FunctionalInterface
    public interface SerializableKey<T> extends Function<T, String>, java.io.Serializable {}

    private static final class KeyedSerializer<T extends SpecificRecordBase>
            implements KafkaRecordSerializationSchema<T> {
        private static final long serialVersionUID = 1L;
        private final String topic;
        private final Class<T> recordClass;
        private final SerializableKey<T> runId;
        private transient TopicCodec<T> codec;

        KeyedSerializer(String topic, Class<T> recordClass, SerializableKey<T> runId) {
            this.topic = topic;
            this.recordClass = recordClass;
            this.runId = runId;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                T element, KafkaSinkContext context, Long timestamp) {
            if (codec == null) {
                codec = TopicCodec.of(topic, recordClass);
            }
            String key = runId.apply(element);
            return new ProducerRecord<>(
                    topic,
                    null,
                    timestamp,
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    codec.encode(element));
        }
    }
}
