package dev.graft.cli;

import dev.graft.connectors.serde.Decoded;
import dev.graft.connectors.serde.TopicCodec;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.connectors.topics.TopicSpec;
import dev.graft.schema.DeadLetter;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code graft tail}: a topic's committed records as JSON lines. */
@Command(
        name = "tail",
        mixinStandardHelpOptions = true,
        description = {
            "Prints a topic's records as JSON lines, one per record, reading only committed"
                    + " records (isolation.level=read_committed), from the beginning unless"
                    + " --from-end. Records that do not decode are reported on stderr."
        })
final class TailCommand implements Callable<Integer> {
    @Mixin KafkaConnection kafka;

    @Parameters(
            index = "0",
            paramLabel = "TOPIC",
            description = "A Graft topic, e.g. graft.decisions.")
    String topic;

    @Option(names = "--max", description = "Stop after N records.")
    Long max;

    @Option(
            names = "--timeout",
            description = "Stop after this many seconds (default: run until interrupted).")
    Double timeoutSeconds;

    @Option(names = "--from-end", description = "Only records written after tail starts.")
    boolean fromEnd;

    @picocli.CommandLine.Mixin Verbosity verbosity;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (max != null && max < 1) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--max must be >= 1, found " + max);
        }
        if (timeoutSeconds != null && timeoutSeconds <= 0) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--timeout must be > 0 seconds, found " + timeoutSeconds);
        }
        TopicSpec spec;
        try {
            spec = TopicCatalog.load().named(topic);
        } catch (IllegalArgumentException e) {
            this.spec.commandLine().getErr().println("graft tail: " + e.getMessage());
            return 2;
        }
        return tail(codecFor(spec));
    }

    @SuppressWarnings("unchecked")
    private static TopicCodec<SpecificRecord> codecFor(TopicSpec spec)
            throws ClassNotFoundException {
        Class<? extends SpecificRecord> type =
                (Class<? extends SpecificRecord>) Class.forName(spec.schema());
        return (TopicCodec<SpecificRecord>) TopicCodec.of(spec.name(), type);
    }

    private int tail(TopicCodec<SpecificRecord> codec) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long deadline =
                timeoutSeconds == null
                        ? Long.MAX_VALUE
                        : System.nanoTime() + (long) (timeoutSeconds * 1e9);
        long printed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                kafka.bootstrapServers,
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                                30_000),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
            consumer.assign(partitions);
            if (fromEnd) {
                consumer.seekToEnd(partitions);
            } else {
                consumer.seekToBeginning(partitions);
            }
            while ((max == null || printed < max) && System.nanoTime() < deadline) {
                long leftMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                for (ConsumerRecord<byte[], byte[]> r :
                        consumer.poll(Duration.ofMillis(Math.min(500, leftMs)))) {
                    Decoded<SpecificRecord> decoded =
                            codec.decode(
                                    r.topic(),
                                    r.partition(),
                                    r.offset(),
                                    r.timestamp(),
                                    r.key(),
                                    r.value());
                    if (decoded instanceof Decoded.Valid<SpecificRecord> valid) {
                        out.println(codec.toJson(valid.value()));
                    } else if (decoded instanceof Decoded.Invalid<SpecificRecord> invalid) {
                        DeadLetter dead = invalid.deadLetter();
                        err.printf(
                                "graft tail: %s[%d]@%d does not decode: %s%n",
                                r.topic(), r.partition(), r.offset(), dead.getError().getMessage());
                    }
                    printed++;
                    if (max != null && printed >= max) {
                        break;
                    }
                }
                out.flush();
                err.flush();
            }
        }
        out.flush();
        return 0;
    }
}
