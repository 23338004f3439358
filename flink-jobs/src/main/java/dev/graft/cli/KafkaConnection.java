package dev.graft.cli;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Option;

import java.util.Map;

/** The {@code --bootstrap-servers} option shared by commands that talk to Kafka. */
final class KafkaConnection {
    @Option(
            names = {"-b", "--bootstrap-servers"},
            defaultValue = "${GRAFT_BOOTSTRAP_SERVERS:-localhost:9092}",
            description =
                    "Kafka bootstrap servers (default: $GRAFT_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE}).")
    String bootstrapServers;

    /** An idempotent producer of raw key/value bytes, acks=all: nothing sent twice or lost. */
    KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        ProducerConfig.MAX_BLOCK_MS_CONFIG,
                        30_000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                        60_000),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }
}
