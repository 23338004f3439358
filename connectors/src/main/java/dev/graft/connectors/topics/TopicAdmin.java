package dev.graft.connectors.topics;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates the catalog's topics on a cluster, leaving existing ones as they are. */
public final class TopicAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

    private TopicAdmin() {}

    /**
     * Creates every topic of {@code catalog} that {@code bootstrapServers} lacks.
     *
     * @param replicationFactor replication factor for new topics (1 on a single broker)
     * @return the names of the topics created
     */
    public static List<String> ensureTopics(
            String bootstrapServers, TopicCatalog catalog, int replicationFactor, Duration timeout)
            throws InterruptedException {
        if (replicationFactor < 1) {
            throw new IllegalArgumentException(
                    "replication factor must be >= 1, found " + replicationFactor);
        }
        try (Admin admin =
                Admin.create(
                        Map.of(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrapServers,
                                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                                (int) timeout.toMillis()))) {
            Set<String> existing =
                    admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing =
                    catalog.topics().stream()
                            .filter(t -> !existing.contains(t.name()))
                            .map(
                                    t ->
                                            new NewTopic(
                                                            t.name(),
                                                            t.partitions(),
                                                            (short) replicationFactor)
                                                    .configs(t.configs()))
                            .toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            List<String> created = missing.stream().map(NewTopic::name).toList();
            LOG.info(
                    "Topics on {}: created {}, already present {}",
                    bootstrapServers,
                    created,
                    catalog.topics().stream()
                            .map(TopicSpec::name)
                            .filter(existing::contains)
                            .toList());
            return created;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "Could not create Graft's topics on "
                            + bootstrapServers
                            + " within "
                            + timeout
                            + ": "
                            + (e.getCause() != null ? e.getCause() : e),
                    e);
        }
    }
}
