package dev.graft.jobs.transform;

import dev.graft.connectors.broker.EmbeddedKafka;
import dev.graft.connectors.serde.Fixtures;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.connectors.store.PublishedCheckpoint;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.connectors.transform.DecisionExecutor;
import dev.graft.connectors.transform.ProgressListener;
import dev.graft.connectors.transform.Splitting;
import dev.graft.connectors.transform.StoreTransformer;
import dev.graft.connectors.transform.TensorDigests;
import dev.graft.jobs.GraftOptions;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.GraftTopology;
import dev.graft.jobs.testing.Jobs;
import dev.graft.jobs.testing.KafkaTopics;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.FileEntry;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.PublishStatus;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Transforms split into two tensor groups (one per subtask), killed mid-way, several times, at
 * random points (planning, writing a group's tensors, after staging a group, verifying, committing,
 * and after committing but before the outcome is emitted): the job restarts, and still every
 * decision gets exactly one CheckpointPublished, the store holds exactly one checkpoint per
 * decision and nothing else, and its tensors are those of the decision carried out in one piece.
 */
@Timeout(240)
class TransformFaultInjectionITCase {
    @RegisterExtension static final MiniClusterExtension FLINK = Jobs.miniCluster(restarts());

    private static final int KILLS = 5;

    /** Kills left to inject; static because the executors are recreated on every restart. */
    static final AtomicInteger KILLS_LEFT = new AtomicInteger(KILLS);

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

    private static Configuration restarts() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3 * KILLS);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        return conf;
    }

    /** A worker crash, not a data problem: an Error, so nothing on the way turns it into data. */
    static final class InjectedCrash extends Error {
        InjectedCrash(String where) {
            super("injected crash " + where);
        }
    }

    /**
     * The real executor, killed at a random progress point of any step (planning, writing a group's
     * tensors, verifying, committing), after a group is staged, or after committing.
     */
    static final class Killing implements DecisionExecutor {
        private final DecisionExecutor real;
        private final Random random = new Random();

        Killing(DecisionExecutor real) {
            this.real = real;
        }

        private ProgressListener killing(ProgressListener progress) {
            return p -> {
                progress.report(p);
                if (random.nextInt(4) == 0 && KILLS_LEFT.getAndDecrement() > 0) {
                    throw new InjectedCrash("at " + p.getStage() + " " + p.getMessage());
                }
            };
        }

        private void maybeKill(String where) {
            if (random.nextInt(3) == 0 && KILLS_LEFT.getAndDecrement() > 0) {
                throw new InjectedCrash(where);
            }
        }

        @Override
        public Prepared prepare(GrowthDecision decision, ProgressListener progress, int workers) {
            return real.prepare(decision, killing(progress), workers);
        }

        @Override
        public GroupOutcome writeGroup(
                GrowthDecision decision, int group, int groups, ProgressListener progress) {
            GroupOutcome outcome = real.writeGroup(decision, group, groups, killing(progress));
            maybeKill("after staging group " + group + ", before it is emitted");
            return outcome;
        }

        @Override
        public CheckpointPublished commit(
                GrowthDecision decision, List<FileEntry> shards, ProgressListener progress) {
            CheckpointPublished outcome = real.commit(decision, shards, killing(progress));
            maybeKill("after committing, before the outcome is emitted");
            return outcome;
        }

        @Override
        public CheckpointPublished abandon(GrowthDecision decision, CheckpointPublished outcome) {
            return real.abandon(decision, outcome);
        }

        @Override
        public void close() throws Exception {
            real.close();
        }
    }

    private Path sourceCheckpoint(String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("trainer").resolve(name));
        Path golden =
                Path.of("..", "connectors", "src", "test", "resources", "models", "llama-gqa-tied");
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(golden.resolve(f), dir.resolve(f));
        }
        return dir;
    }

    private GrowthDecision decision(
            String id, String run, String operator, Map<String, String> options, Path source) {
        return Fixtures.decisionFor(id, run, operator, options, source.toUri());
    }

    @Test
    void everyDecisionIsPublishedExactlyOnceDespiteCrashes() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Path storeRoot = tmp.resolve("store");
        List<GrowthDecision> decisions =
                List.of(
                        decision(
                                "d-a-" + suffix,
                                "run-a",
                                "lemon",
                                Map.of("width_factor", "1.5"),
                                sourceCheckpoint("a")),
                        decision(
                                "d-b-" + suffix,
                                "run-b",
                                "hyperclone",
                                Map.of("width_factor", "2"),
                                sourceCheckpoint("b")),
                        decision(
                                "d-c-" + suffix,
                                "run-c",
                                "identity-depth",
                                Map.of("depth_factor", "2"),
                                sourceCheckpoint("c")),
                        decision(
                                "d-d-" + suffix,
                                "run-d",
                                "lemon",
                                Map.of("width_factor", "1.25", "depth_factor", "1.5"),
                                sourceCheckpoint("d")));
        try (KafkaTopics topics = new KafkaTopics(kafka.bootstrapServers())) {
            for (GrowthDecision d : decisions) {
                topics.send(d.getRunId(), d);
            }

            Configuration conf = new Configuration();
            conf.set(GraftOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            conf.set(GraftOptions.KAFKA_GROUP_ID_PREFIX, "fi-" + suffix);
            conf.set(GraftOptions.KAFKA_TRANSACTIONAL_ID_PREFIX, "fi-" + suffix);
            conf.set(GraftOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(300));
            conf.set(TransformOptions.STORE_ROOT, storeRoot.toUri().toString());
            // Every checkpoint is split: one tensor group per parallel subtask.
            conf.set(TransformOptions.SPLIT_THRESHOLD, MemorySize.ZERO);
            TransformSettings transform = TransformSettings.from(conf);
            GraftTopology topology =
                    new GraftTopology(GraftSettings.from(conf), TopicCatalog.load());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            topology.configure(env);
            env.setParallelism(2);
            DecisionExecutor.Factory real =
                    StoreTransformer.factory(transform.storeRoot(), 2, 8, transform.splitting());
            topology.transformJob(worker -> new Killing(real.create(worker)), transform).build(env);
            JobClient job = env.executeAsync("transform-fault-injection");
            List<CheckpointPublished> outcomes;
            try {
                outcomes =
                        topics.readCommitted(
                                CheckpointPublished.class,
                                all ->
                                        all.stream()
                                                        .filter(
                                                                o ->
                                                                        o.getDecisionId()
                                                                                .endsWith(suffix))
                                                        .count()
                                                >= decisions.size(),
                                Duration.ofSeconds(4),
                                Duration.ofSeconds(180));
            } finally {
                Jobs.cancel(job);
            }

            assertThat(KILLS_LEFT.get()).as("every injected crash happened").isLessThanOrEqualTo(0);
            List<CheckpointPublished> ours =
                    outcomes.stream().filter(o -> o.getDecisionId().endsWith(suffix)).toList();
            assertThat(ours)
                    .extracting(CheckpointPublished::getDecisionId)
                    .containsExactlyInAnyOrderElementsOf(
                            decisions.stream().map(GrowthDecision::getDecisionId).toList());
            assertThat(ours)
                    .allSatisfy(
                            o -> {
                                assertThat(o.getStatus())
                                        .as(String.valueOf(o.getError()))
                                        .isEqualTo(PublishStatus.PUBLISHED);
                                assertThat(o.getVerification().getPassed()).isTrue();
                            });

            CheckpointStore store = CheckpointStore.open(storeRoot.toUri());
            StoreTransformer onePiece =
                    new StoreTransformer(
                            CheckpointStore.open(tmp.resolve("one-piece").toUri()),
                            Files.createDirectories(tmp.resolve("one-piece-work")),
                            new DecisionExecutor.Worker("reference", -1),
                            java.time.Clock.systemUTC(),
                            2,
                            8,
                            Splitting.ONE_PIECE);
            for (CheckpointPublished o : ours) {
                List<PublishedCheckpoint> inStore = store.list(o.getRunId());
                assertThat(inStore).as("one checkpoint for %s", o.getRunId()).hasSize(1);
                assertThat(inStore.get(0).toRef().getUri()).isEqualTo(o.getCheckpoint().getUri());
                store.verify(inStore.get(0));
                // Nothing else in the run's directory: the staging directory of the decision (the
                // same for every attempt) was renamed into place.
                try (Stream<Path> entries = Files.list(storeRoot.resolve(o.getRunId()))) {
                    assertThat(entries).hasSize(1);
                }
                // Written in two groups by two subtasks, despite the crashes the same tensors as
                // the decision carried out in one piece.
                assertThat(o.getFiles())
                        .extracting(FileEntry::getPath)
                        .contains(
                                "model-00001-of-00002.safetensors",
                                "model-00002-of-00002.safetensors",
                                "model.safetensors.index.json");
                GrowthDecision decision =
                        decisions.stream()
                                .filter(d -> d.getDecisionId().equals(o.getDecisionId()))
                                .findFirst()
                                .orElseThrow();
                CheckpointPublished whole = onePiece.execute(decision, p -> {});
                assertThat(TensorDigests.of(dir(o))).isEqualTo(TensorDigests.of(dir(whole)));
            }
        }
    }

    private static Path dir(CheckpointPublished o) {
        return Path.of(java.net.URI.create(o.getCheckpoint().getUri()));
    }
}
