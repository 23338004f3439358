package dev.graft.connectors.kafka;

import dev.graft.connectors.serde.TopicCodec;
import dev.graft.connectors.transform.ProgressListener;
import dev.graft.schema.TransformProgress;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Sends transform progress to its topic as it happens. Progress is informational, so it is sent at
 * least once outside the job's transactions (a dashboard should see a long transform move, not wait
 * for the next checkpoint); a record that cannot be sent is logged, never fatal.
 */
public final class KafkaProgressReporter implements ProgressListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaProgressReporter.class);

    private final KafkaProducer<byte[], byte[]> producer;
    private final TopicCodec<TransformProgress> codec;

    public KafkaProgressReporter(String bootstrapServers, TopicCodec<TransformProgress> codec) {
        this.codec = codec;
        this.producer =
                new KafkaProducer<>(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrapServers,
                                ProducerConfig.ACKS_CONFIG,
                                "all",
                                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                                true,
                                ProducerConfig.LINGER_MS_CONFIG,
                                20),
                        new ByteArraySerializer(),
                        new ByteArraySerializer());
    }

    @Override
    public void report(TransformProgress progress) {
        try {
            producer.send(
                    new ProducerRecord<>(
                            codec.topic(),
                            progress.getRunId().getBytes(StandardCharsets.UTF_8),
                            codec.encode(progress)),
                    (metadata, e) -> {
                        if (e != null) {
                            LOG.warn(
                                    "Progress of decision {} not sent: {}",
                                    progress.getDecisionId(),
                                    e.toString());
                        }
                    });
        } catch (RuntimeException e) {
            LOG.warn(
                    "Progress of decision {} not sent: {}", progress.getDecisionId(), e.toString());
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
