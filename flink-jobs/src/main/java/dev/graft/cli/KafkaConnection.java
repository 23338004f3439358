package dev.graft.cli;

import picocli.CommandLine.Option;

/** The {@code --bootstrap-servers} option shared by commands that talk to Kafka. */
final class KafkaConnection {
    @Option(
            names = {"-b", "--bootstrap-servers"},
            defaultValue = "${GRAFT_BOOTSTRAP_SERVERS:-localhost:9092}",
            description =
                    "Kafka bootstrap servers (default: $GRAFT_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE}).")
    String bootstrapServers;
}
