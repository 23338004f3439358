package dev.graft.jobs;

import dev.graft.connectors.kafka.Incoming;
import dev.graft.connectors.kafka.IncomingDeserializer;
import dev.graft.connectors.kafka.KafkaProgressReporter;
import dev.graft.connectors.kafka.KeyedRecordSerializationSchema;
import dev.graft.connectors.serde.TopicCodec;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.connectors.transform.DecisionExecutor;
import dev.graft.jobs.transform.TransformJob;
import dev.graft.jobs.transform.TransformSettings;
import dev.graft.jobs.trigger.TriggerJob;
import dev.graft.schema.BudgetChange;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.CheckpointSaved;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.GrowthCommand;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;
import dev.graft.schema.TransformProgress;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

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
                new TriggerJob.Sources(
                        source(TrainingMetric.class, TriggerJob.NAME),
                        source(CheckpointSaved.class, TriggerJob.NAME),
                        source(GrowthCommand.class, TriggerJob.NAME),
                        source(BudgetChange.class, TriggerJob.NAME)),
                sink(GrowthDecision.class, TriggerJob.NAME + "-decisions"),
                sink(DeadLetter.class, TriggerJob.NAME + "-dlq"),
                settings,
                graftVersion);
    }

    /**
     * The TransformJob reading decisions and writing outcomes and progress to Graft's topics,
     * carrying decisions out with {@code executors}.
     */
    public TransformJob transformJob(
            DecisionExecutor.Factory executors, TransformSettings transform) {
        String bootstrap = settings.bootstrapServers();
        String progressTopic = topics.forSchema(TransformProgress.class.getName()).name();
        return new TransformJob(
                source(GrowthDecision.class, TransformJob.NAME),
                sink(CheckpointPublished.class, TransformJob.NAME + "-published"),
                sink(DeadLetter.class, TransformJob.NAME + "-dlq"),
                executors,
                () ->
                        new KafkaProgressReporter(
                                bootstrap, TopicCodec.of(progressTopic, TransformProgress.class)),
                transform);
    }

    /** A read_committed source of a catalog topic, starting at committed offsets or earliest. */
    public <T extends SpecificRecordBase> KafkaSource<Incoming<T>> source(
            Class<T> recordClass, String jobName) {
        TopicCodec<T> codec = codec(recordClass).withJob(jobName + "/decode");
        return KafkaSource.<Incoming<T>>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setTopics(codec.topic())
                .setGroupId(settings.groupIdPrefix() + "-" + jobName)
                .setStartingOffsets(
                        OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new IncomingDeserializer<>(codec))
                .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .setProperty("partition.discovery.interval.ms", "60000")
                .build();
    }

    /** An exactly-once transactional sink to the catalog topic of {@code recordClass}. */
    public <T extends SpecificRecordBase> KafkaSink<T> sink(
            Class<T> recordClass, String transactionalName) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(
                        settings.transactionalIdPrefix() + "-" + transactionalName)
                .setProperty(
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                        String.valueOf(settings.transactionTimeout().toMillis()))
                .setRecordSerializer(new KeyedRecordSerializationSchema<>(codec(recordClass)))
                .build();
    }

    private <T extends SpecificRecordBase> TopicCodec<T> codec(Class<T> recordClass) {
        return TopicCodec.of(topics.forSchema(recordClass.getName()).name(), recordClass);
    }
}
