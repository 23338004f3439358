package dev.graft.jobs.transform;

import dev.graft.cli.CliRun;
import dev.graft.connectors.broker.EmbeddedKafka;
import dev.graft.connectors.serde.Fixtures;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.connectors.transform.DecisionExecutor;
import dev.graft.connectors.transform.Splitting;
import dev.graft.connectors.transform.StoreTransformer;
import dev.graft.connectors.transform.TensorDigests;
import dev.graft.jobs.GraftOptions;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.GraftTopology;
import dev.graft.jobs.testing.Jobs;
import dev.graft.jobs.testing.KafkaTopics;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.FileEntry;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.PublishStatus;
import dev.graft.schema.TransformProgress;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A checkpoint transformed with parallelism 2, split into two tensor groups written by the two
 * subtasks and committed once: the published checkpoint holds exactly the tensors of the one-piece
 * result, {@code graft verify} finds it computes the same function as its source, and nothing else
 * is left in the store.
 */
@Timeout(180)
class TransformSplitITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = Jobs.miniCluster(Jobs.noRestarts());

    /** Progress records of the job's workers; static because the job runs the listeners. */
    static final Queue<TransformProgress> PROGRESS = new ConcurrentLinkedQueue<>();

    private static EmbeddedKafka kafka;

    @TempDir Path tmp;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaTopics.startBroker();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private GrowthDecision decision(String id, Path source) {
        return Fixtures.decisionFor(
                id,
                "run-split",
                "lemon",
                Map.of("width_factor", "1.5", "depth_factor", "2"),
                source.toUri());
    }

    @Test
    void twoSubtasksWriteTheGroupsOfOneCheckpointCommittedOnce() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Path source = Files.createDirectories(tmp.resolve("trainer/step-1200"));
        Path golden =
                Path.of("..", "connectors", "src", "test", "resources", "models", "llama-gqa-tied");
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(golden.resolve(f), source.resolve(f));
        }
        Path storeRoot = tmp.resolve("store");
        GrowthDecision decision = decision("d-split-" + suffix, source);

        try (KafkaTopics topics = new KafkaTopics(kafka.bootstrapServers())) {
            topics.send(decision.getRunId(), decision);
            Configuration conf = new Configuration();
            conf.set(GraftOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            conf.set(GraftOptions.KAFKA_GROUP_ID_PREFIX, "split-" + suffix);
            conf.set(GraftOptions.KAFKA_TRANSACTIONAL_ID_PREFIX, "split-" + suffix);
            conf.set(GraftOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(500));
            conf.set(TransformOptions.STORE_ROOT, storeRoot.toUri().toString());
            conf.set(TransformOptions.SPLIT_THRESHOLD, MemorySize.ZERO);
            TransformSettings transform = TransformSettings.from(conf);
            GraftTopology topology =
                    new GraftTopology(GraftSettings.from(conf), TopicCatalog.load());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            topology.configure(env);
            env.setParallelism(2);
            new TransformJob(
                            topology.source(GrowthDecision.class, TransformJob.NAME),
                            topology.sink(
                                    CheckpointPublished.class, TransformJob.NAME + "-published"),
                            topology.sink(DeadLetter.class, TransformJob.NAME + "-dlq"),
                            StoreTransformer.factory(
                                    transform.storeRoot(), 2, 8, transform.splitting()),
                            () -> PROGRESS::add,
                            transform)
                    .build(env);
            JobClient job = env.executeAsync("transform-split-itcase");
            List<CheckpointPublished> outcomes;
            try {
                outcomes =
                        topics.readCommitted(
                                CheckpointPublished.class,
                                all ->
                                        all.stream()
                                                .anyMatch(o -> o.getDecisionId().endsWith(suffix)),
                                Duration.ofSeconds(3),
                                Duration.ofSeconds(120));
            } finally {
                Jobs.cancel(job);
            }

            List<CheckpointPublished> ours =
                    outcomes.stream().filter(o -> o.getDecisionId().endsWith(suffix)).toList();
            assertThat(ours).hasSize(1);
            CheckpointPublished published = ours.get(0);
            assertThat(published.getStatus())
                    .as(String.valueOf(published.getError()))
                    .isEqualTo(PublishStatus.PUBLISHED);
            assertThat(published.getFiles())
                    .extracting(FileEntry::getPath)
                    .containsExactly(
                            "config.json",
                            "model-00001-of-00002.safetensors",
                            "model-00002-of-00002.safetensors",
                            "model.safetensors.index.json");
            assertThat(published.getOperatorOptions()).containsEntry("tensor_groups", "2");

            // Each group was written by its own subtask.
            Set<String> writers =
                    PROGRESS.stream()
                            .filter(p -> p.getDecisionId().equals(decision.getDecisionId()))
                            .filter(p -> p.getMessage().contains("(group "))
                            .map(TransformProgress::getWorker)
                            .collect(Collectors.toSet());
            assertThat(writers)
                    .containsExactlyInAnyOrder(
                            "TransformJob/write-group[0] cpu", "TransformJob/write-group[1] cpu");

            // The same tensors, byte for byte, as the decision carried out in one piece.
            Path dir = Path.of(java.net.URI.create(published.getCheckpoint().getUri()));
            CheckpointPublished whole =
                    new StoreTransformer(
                                    CheckpointStore.open(tmp.resolve("one-piece").toUri()),
                                    Files.createDirectories(tmp.resolve("one-piece-work")),
                                    new DecisionExecutor.Worker("reference", -1),
                                    Clock.systemUTC(),
                                    2,
                                    8,
                                    Splitting.ONE_PIECE)
                            .execute(decision, p -> {});
            Path wholeDir = Path.of(java.net.URI.create(whole.getCheckpoint().getUri()));
            assertThat(TensorDigests.of(dir)).isEqualTo(TensorDigests.of(wholeDir));
            assertThat(Files.readString(dir.resolve("config.json")))
                    .isEqualTo(Files.readString(wholeDir.resolve("config.json")));

            CliRun verify = CliRun.graft("verify", source.toString(), dir.toString());
            assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
            assertThat(verify.out()).contains("verdict:   PASS");

            CheckpointStore store = CheckpointStore.open(storeRoot.toUri());
            store.verify(store.list(decision.getRunId()).get(0));
            try (Stream<Path> entries = Files.list(storeRoot.resolve(decision.getRunId()))) {
                assertThat(entries).as("no staging left").hasSize(1);
            }
        }
    }
}
