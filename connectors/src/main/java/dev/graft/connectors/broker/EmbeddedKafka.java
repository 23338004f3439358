package dev.graft.connectors.broker;

import dev.graft.connectors.LocalFiles;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * A real Kafka broker running in this JVM, in KRaft mode (one combined broker + controller node, no
 * ZooKeeper, no Docker): Kafka's own {@code KafkaRaftServer} after the same storage format step as
 * {@code kafka-storage.sh format}.
 *
 * <p>The same launcher serves {@code graft up} and the integration tests, so what the tests prove
 * is what users run. Transactions work (the transaction log has replication factor 1), which the
 * exactly-once Kafka sinks need.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(9092).start()) {
 *     String bootstrap = kafka.bootstrapServers(); // "localhost:9092"
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    /** Port 0 asks for any free port. */
    public static final int ANY_PORT = 0;

    private static final int NODE_ID = 1;

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path dataDirectory;
    private final boolean deleteOnClose;
    private volatile boolean closed;

    private EmbeddedKafka(
            KafkaRaftServer server,
            String bootstrapServers,
            Path dataDirectory,
            boolean deleteOnClose) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.dataDirectory = dataDirectory;
        this.deleteOnClose = deleteOnClose;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code host:port} of the broker's client listener. */
    public String bootstrapServers() {
        checkOpen();
        return bootstrapServers;
    }

    /** Where the broker keeps its logs and metadata. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("The embedded Kafka broker was already closed.");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Embedded Kafka broker did not shut down cleanly: {}", e.toString());
        }
        if (deleteOnClose) {
            try {
                LocalFiles.deleteTree(dataDirectory);
            } catch (IOException e) {
                LOG.warn(
                        "Could not delete embedded Kafka data in {}: {}",
                        dataDirectory,
                        e.toString());
            }
        } else {
            LOG.info("Embedded Kafka data kept in {}", dataDirectory);
        }
    }

    /** Configures and starts an {@link EmbeddedKafka}. */
    public static final class Builder {
        private int port = ANY_PORT;
        private Path dataDirectory;
        private final Map<String, String> brokerConfig = new LinkedHashMap<>();

        private Builder() {
            // Single node: every internal topic gets replication factor 1, or transactions and
            // consumer groups never become available.
            brokerConfig.put("offsets.topic.replication.factor", "1");
            brokerConfig.put("offsets.topic.num.partitions", "4");
            brokerConfig.put("transaction.state.log.replication.factor", "1");
            brokerConfig.put("transaction.state.log.min.isr", "1");
            brokerConfig.put("transaction.state.log.num.partitions", "4");
            brokerConfig.put("group.initial.rebalance.delay.ms", "0");
            brokerConfig.put("num.partitions", "1");
            brokerConfig.put("default.replication.factor", "1");
            brokerConfig.put("auto.create.topics.enable", "false");
            // Flink's exactly-once sink uses transactions as long as a checkpoint interval plus
            // recovery; the broker caps transaction.timeout.ms with this.
            brokerConfig.put("transaction.max.timeout.ms", "900000");
        }

        /** Client listener port on localhost; {@link #ANY_PORT} (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(
                        "Kafka port must be between 0 and 65535 (0 = any free port), found "
                                + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Directory for the broker's data; it is kept on close. Without one, a temporary directory
         * is used and deleted on close.
         */
        public Builder dataDirectory(Path dataDirectory) {
            this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
            return this;
        }

        /** Overrides one broker setting (Kafka's own names, e.g. {@code log.retention.ms}). */
        public Builder brokerConfig(String key, String value) {
            brokerConfig.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
            return this;
        }

        /** Formats storage (unless already formatted), starts the node, waits until it serves. */
        public EmbeddedKafka start() throws Exception {
            if (port != ANY_PORT) {
                requirePortFree(port);
            }
            int brokerPort = port == ANY_PORT ? freePort() : port;
            int controllerPort = freePort();
            boolean temporary = dataDirectory == null;
            Path dir = temporary ? Files.createTempDirectory("graft-kafka-") : dataDirectory;
            Path logs = dir.resolve("kraft-combined-logs");
            Files.createDirectories(logs);

            Map<String, String> config = new LinkedHashMap<>();
            config.put("process.roles", "broker,controller");
            config.put("node.id", String.valueOf(NODE_ID));
            config.put(
                    "listeners",
                    "PLAINTEXT://localhost:"
                            + brokerPort
                            + ",CONTROLLER://localhost:"
                            + controllerPort);
            config.put("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort);
            config.put(
                    "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            config.put("inter.broker.listener.name", "PLAINTEXT");
            config.put("controller.listener.names", "CONTROLLER");
            config.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
            config.put("log.dirs", logs.toString());
            config.putAll(brokerConfig);
            KafkaConfig kafkaConfig = new KafkaConfig(config);

            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .addDirectory(logs.toString())
                    .setMetadataLogDirectory(logs.toString())
                    .setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setIgnoreFormatted(true)
                    .run();

            KafkaRaftServer server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
            String bootstrap = "localhost:" + brokerPort;
            try {
                server.startup();
                awaitServing(bootstrap, Duration.ofSeconds(60));
            } catch (Exception | Error e) {
                try {
                    server.shutdown();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            LOG.info("Embedded Kafka broker (KRaft) ready at {}, data in {}", bootstrap, dir);
            return new EmbeddedKafka(server, bootstrap, dir, temporary);
        }

        private static void awaitServing(String bootstrap, Duration timeout) throws Exception {
            try (Admin admin =
                    Admin.create(
                            Map.of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    bootstrap,
                                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                                    (int) timeout.toMillis()))) {
                admin.describeCluster()
                        .nodes()
                        .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                throw new IllegalStateException(
                        "The embedded Kafka broker at "
                                + bootstrap
                                + " did not answer within "
                                + timeout
                                + ": "
                                + e,
                        e);
            }
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }

        private static void requirePortFree(int port) {
            // Something already listening answers a connect; a port merely bound elsewhere fails
            // the bind. Either way Kafka would fail later with a less helpful message.
            String holder = null;
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("localhost", port), 500);
                holder = "something is listening there";
            } catch (IOException notListening) {
                try (ServerSocket server = new ServerSocket()) {
                    server.bind(new InetSocketAddress(port));
                } catch (IOException e) {
                    holder = e.getMessage();
                }
            }
            if (holder != null) {
                throw new IllegalStateException(
                        "Cannot start the embedded Kafka broker on localhost:"
                                + port
                                + ": the port is in use ("
                                + holder
                                + "). Stop whatever holds it or choose another with"
                                + " --kafka-port.");
            }
        }
    }
}
