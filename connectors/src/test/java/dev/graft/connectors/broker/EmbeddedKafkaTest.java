package dev.graft.connectors.broker;

import dev.graft.connectors.topics.TopicAdmin;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.connectors.topics.TopicSpec;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The embedded broker is a real KRaft broker: topics, transactions, read_committed. */
@Timeout(120)
class EmbeddedKafkaTest {
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.builder().start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void createsEveryCatalogTopicWithItsPartitionsAndConfigs() throws Exception {
        TopicCatalog catalog = TopicCatalog.load();
        List<String> created =
                TopicAdmin.ensureTopics(
                        kafka.bootstrapServers(), catalog, 1, Duration.ofSeconds(30));
        assertThat(created)
                .containsExactlyElementsOf(catalog.topics().stream().map(TopicSpec::name).toList());
        // Idempotent: a second call creates nothing.
        assertThat(
                        TopicAdmin.ensureTopics(
                                kafka.bootstrapServers(), catalog, 1, Duration.ofSeconds(30)))
                .isEmpty();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            var descriptions =
                    admin.describeTopics(Set.of("graft.metrics", "graft.dlq"))
                            .allTopicNames()
                            .get();
            assertThat(descriptions.get("graft.metrics").partitions()).hasSize(6);
            assertThat(descriptions.get("graft.dlq").partitions()).hasSize(1);
        }
    }

    @Test
    void readCommittedConsumersSeeOnlyCommittedTransactions() throws Exception {
        String topic = "embedded-kafka-tx-test";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(
                            List.of(
                                    new org.apache.kafka.clients.admin.NewTopic(
                                            topic, 1, (short) 1)))
                    .all()
                    .get();
        }
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                kafka.bootstrapServers(),
                                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                                "embedded-test",
                                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                                StringSerializer.class,
                                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                                StringSerializer.class))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "run", "aborted"));
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "run", "committed"));
            producer.commitTransaction();
        }
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                kafka.bootstrapServers(),
                                ConsumerConfig.GROUP_ID_CONFIG,
                                "embedded-test",
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                                "earliest",
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                                StringDeserializer.class,
                                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                                StringDeserializer.class))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(r.value());
                }
            }
        }
        assertThat(seen).containsExactly("committed");
    }

    @Test
    void startsOnAFixedPortAndRefusesAPortInUse() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        try (EmbeddedKafka fixed = EmbeddedKafka.builder().port(port).start()) {
            assertThat(fixed.bootstrapServers()).endsWith(":" + port);
            assertThatThrownBy(() -> EmbeddedKafka.builder().port(port).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("localhost:" + port)
                    .hasMessageContaining("--kafka-port");
        }
    }
}
