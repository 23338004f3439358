package dev.graft.cli;

import dev.graft.connectors.broker.EmbeddedKafka;
import dev.graft.connectors.serde.Decoded;
import dev.graft.connectors.serde.TopicCodec;
import dev.graft.jobs.testing.KafkaTopics;
import dev.graft.schema.CheckpointSaved;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code graft send-checkpoint} through a real broker: the announcement a trainer makes. */
@Timeout(120)
class SendCheckpointCommandITCase {
    private static EmbeddedKafka kafka;

    @TempDir Path dir;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaTopics.startBroker();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void announcesAValidatedCheckpointWithItsArchitectureAndFileHashes() throws Exception {
        Path ckpt =
                InspectCommandTest.checkpoint(
                        dir.resolve("step-1200"), InspectCommandTest.LLAMA, 1 << 20);

        CliRun sent =
                CliRun.graft(
                        "send-checkpoint",
                        "-b",
                        kafka.bootstrapServers(),
                        "--run",
                        "run-7",
                        "--step",
                        "1200",
                        "--state",
                        "lr=3e-4",
                        ckpt.toString());

        assertThat(sent.exitCode()).as(sent.err()).isZero();
        assertThat(sent.out()).contains("llama", "graft.checkpoints.saved", "run run-7 step 1200");
        List<CheckpointSaved> saved = readAll("graft.checkpoints.saved");
        assertThat(saved)
                .singleElement()
                .satisfies(
                        s -> {
                            assertThat(s.getRunId()).isEqualTo("run-7");
                            assertThat(s.getCheckpoint().getStep()).isEqualTo(1200);
                            assertThat(s.getCheckpoint().getUri())
                                    .isEqualTo(ckpt.toUri().toString());
                            assertThat(s.getArch().getFamily()).isEqualTo("llama");
                            assertThat(s.getArch().getNumKvHeads()).isEqualTo(2);
                            assertThat(s.getTrainingState()).containsEntry("lr", "3e-4");
                            assertThat(s.getFiles())
                                    .extracting(f -> f.getPath())
                                    .contains("config.json", "model.safetensors");
                        });
        // The hashes are the files' real sha256 (checked independently here).
        var config =
                saved.get(0).getFiles().stream()
                        .filter(f -> f.getPath().equals("config.json"))
                        .findFirst()
                        .orElseThrow();
        byte[] bytes = Files.readAllBytes(ckpt.resolve("config.json"));
        assertThat(config.getBytes()).isEqualTo(bytes.length);
        assertThat(config.getSha256())
                .isEqualTo(
                        HexFormat.of()
                                .formatHex(
                                        java.security.MessageDigest.getInstance("SHA-256")
                                                .digest(bytes)));
    }

    @Test
    void refusesADirectoryThatIsNotACompleteCheckpoint() throws Exception {
        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(broken.resolve("config.json"), InspectCommandTest.LLAMA);

        CliRun sent =
                CliRun.graft(
                        "send-checkpoint",
                        "-b",
                        kafka.bootstrapServers(),
                        "--run",
                        "run-8",
                        "--step",
                        "1",
                        broken.toString());

        assertThat(sent.exitCode()).isEqualTo(2);
        assertThat(sent.err()).startsWith("graft send-checkpoint: ").contains(broken.toString());
    }

    private static List<CheckpointSaved> readAll(String topic) {
        TopicCodec<CheckpointSaved> codec = TopicCodec.of(topic, CheckpointSaved.class);
        List<CheckpointSaved> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                kafka.bootstrapServers(),
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed"),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (out.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Decoded<CheckpointSaved> d =
                            codec.decode(
                                    r.topic(),
                                    r.partition(),
                                    r.offset(),
                                    r.timestamp(),
                                    r.key(),
                                    r.value());
                    assertThat(d).isInstanceOf(Decoded.Valid.class);
                    out.add(((Decoded.Valid<CheckpointSaved>) d).value());
                }
            }
        }
        return out;
    }
}
