package dev.graft.jobs.local;

import dev.graft.connectors.broker.EmbeddedKafka;
import dev.graft.connectors.store.GraftVersion;
import dev.graft.connectors.topics.TopicAdmin;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.connectors.topics.TopicSpec;
import dev.graft.connectors.transform.StoreTransformer;
import dev.graft.jobs.GraftOptions;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.GraftTopology;
import dev.graft.jobs.transform.TransformJob;
import dev.graft.jobs.transform.TransformOptions;
import dev.graft.jobs.transform.TransformSettings;
import dev.graft.jobs.trigger.TriggerJob;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Graft on one machine: a real Kafka broker in-process (KRaft), Graft's topics from the catalog, a
 * Flink MiniCluster and the jobs (TriggerJob, TransformJob) running on it against that broker,
 * publishing transformed checkpoints to a local store ({@code ./.graft/store} by default).
 *
 * <pre>{@code
 * try (LocalStack stack = LocalStack.start(LocalStack.Options.defaults())) {
 *     stack.bootstrapServers(); // "localhost:9092"
 * }
 * }</pre>
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    /**
     * @param kafkaPort client port of the embedded broker, 0 for any free port
     * @param dataDirectory where the broker keeps its data across restarts; null for a temporary
     *     directory deleted on stop
     * @param flinkRestPort port of Flink's REST API, 0 for any free port
     * @param overrides Graft and Flink options layered over the defaults
     */
    public record Options(
            int kafkaPort, Path dataDirectory, int flinkRestPort, Configuration overrides) {
        public Options {
            Objects.requireNonNull(overrides, "overrides");
        }

        public static Options defaults() {
            return new Options(9092, null, 8081, new Configuration());
        }
    }

    private final EmbeddedKafka kafka;
    private final MiniCluster flink;
    private final List<JobID> jobs;
    private final TopicCatalog topics;
    private final String flinkRestAddress;
    private final String storeRoot;

    private LocalStack(
            EmbeddedKafka kafka,
            MiniCluster flink,
            List<JobID> jobs,
            TopicCatalog topics,
            String flinkRestAddress,
            String storeRoot) {
        this.storeRoot = storeRoot;
        this.kafka = kafka;
        this.flink = flink;
        this.jobs = List.copyOf(jobs);
        this.topics = topics;
        this.flinkRestAddress = flinkRestAddress;
    }

    /** Starts the broker, creates the topics, starts Flink and submits the jobs; waits for them. */
    public static LocalStack start(Options options) throws Exception {
        TopicCatalog topics = TopicCatalog.load();
        EmbeddedKafka.Builder kafkaBuilder = EmbeddedKafka.builder().port(options.kafkaPort());
        if (options.dataDirectory() != null) {
            kafkaBuilder.dataDirectory(options.dataDirectory().resolve("kafka"));
        }
        EmbeddedKafka kafka = kafkaBuilder.start();
        MiniCluster flink = null;
        String storeRoot;
        try {
            TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics, 1, Duration.ofSeconds(30));

            Configuration conf = new Configuration();
            conf.set(GraftOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(2));
            // On one machine a trainer that saves no checkpoints is the common case (send-metrics
            // replays a curve): decisions wait 10 s for one, not the cluster default.
            conf.set(GraftOptions.TRIGGER_CHECKPOINT_WAIT, Duration.ofSeconds(10));
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
            conf.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                    Duration.ofSeconds(2));
            conf.addAll(options.overrides());
            conf.set(GraftOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            conf.set(RestOptions.BIND_PORT, String.valueOf(options.flinkRestPort()));
            conf.set(TaskManagerOptions.NUM_TASK_SLOTS, 4);
            GraftSettings settings = GraftSettings.from(conf);

            flink =
                    new MiniCluster(
                            new MiniClusterConfiguration.Builder()
                                    .setConfiguration(conf)
                                    .setNumTaskManagers(1)
                                    .setNumSlotsPerTaskManager(4)
                                    .build());
            flink.start();
            String rest = flink.getRestAddress().get(30, TimeUnit.SECONDS).toString();

            GraftTopology topology = new GraftTopology(settings, topics);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            topology.configure(env);
            topology.triggerJob(GraftVersion.get()).build(env);
            List<JobID> jobs = new ArrayList<>();
            StreamGraph trigger = env.getStreamGraph();
            trigger.setJobName(TriggerJob.NAME);
            jobs.add(flink.submitJob(trigger).get().getJobID());

            if (!conf.contains(TransformOptions.STORE_ROOT)) {
                Path store =
                        options.dataDirectory() != null
                                ? options.dataDirectory().resolve("store")
                                : Path.of(".graft", "store");
                conf.set(TransformOptions.STORE_ROOT, store.toAbsolutePath().toUri().toString());
            }
            TransformSettings transform = TransformSettings.from(conf);
            StreamExecutionEnvironment transformEnv =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            topology.configure(transformEnv);
            topology.transformJob(
                            StoreTransformer.factory(
                                    transform.storeRoot(), 4, 32, transform.splitting()),
                            transform)
                    .build(transformEnv);
            StreamGraph transformGraph = transformEnv.getStreamGraph();
            transformGraph.setJobName(TransformJob.NAME);
            jobs.add(flink.submitJob(transformGraph).get().getJobID());
            storeRoot = transform.storeRoot().toString();
            for (JobID job : jobs) {
                awaitRunning(flink, job, Duration.ofSeconds(60));
            }
            return new LocalStack(kafka, flink, jobs, topics, rest, storeRoot);
        } catch (Exception | Error e) {
            if (flink != null) {
                try {
                    flink.closeAsync().get(30, TimeUnit.SECONDS);
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            kafka.close();
            throw e;
        }
    }

    private static void awaitRunning(MiniCluster flink, JobID job, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JobStatus status = flink.getJobStatus(job).get();
        while (status != JobStatus.RUNNING) {
            if (status.isTerminalState() || System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Job "
                                + job
                                + " did not reach RUNNING within "
                                + timeout
                                + "; it is "
                                + status);
            }
            Thread.sleep(100);
            status = flink.getJobStatus(job).get();
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Where transformed checkpoints are published. */
    public String storeRoot() {
        return storeRoot;
    }

    public String flinkRestAddress() {
        return flinkRestAddress;
    }

    public List<String> topicNames() {
        return topics.topics().stream().map(TopicSpec::name).toList();
    }

    public List<JobID> jobs() {
        return jobs;
    }

    /** Cancels the jobs, stops Flink, then the broker. */
    @Override
    public void close() {
        for (JobID job : jobs) {
            try {
                flink.cancelJob(job).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("Could not cancel job {}: {}", job, e.toString());
            }
        }
        try {
            flink.closeAsync().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Flink MiniCluster did not stop cleanly: {}", e.toString());
        }
        kafka.close();
    }
}
