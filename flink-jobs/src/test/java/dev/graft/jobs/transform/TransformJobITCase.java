package dev.graft.jobs.transform;

import dev.graft.connectors.broker.EmbeddedKafka;
import dev.graft.connectors.serde.Fixtures;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.connectors.transform.DecisionExecutor;
import dev.graft.connectors.transform.Outcomes;
import dev.graft.connectors.transform.ProgressListener;
import dev.graft.jobs.GraftOptions;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.GraftTopology;
import dev.graft.jobs.testing.Jobs;
import dev.graft.jobs.testing.KafkaTopics;
import dev.graft.schema.Action;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.DecisionStatus;
import dev.graft.schema.FileEntry;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.PublishStatus;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TransformJob's wiring through a real broker with a fake executor: every actionable decision
 * gets exactly one outcome on graft.checkpoints.published (its groups gathered into one commit),
 * failures also go to the dead letters, advisory decisions and replays of a decision get none.
 */
@Timeout(180)
class TransformJobITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = Jobs.miniCluster(Jobs.noRestarts());

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaTopics.startBroker();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    /**
     * Splits a decision into two groups whose "shards" name the decision and group; publishes them
     * as the checkpoint's files when it names a source checkpoint; fails otherwise.
     */
    static final class FakeExecutor implements DecisionExecutor {
        @Override
        public Prepared prepare(GrowthDecision decision, ProgressListener progress, int workers) {
            if (decision.getStatus() == DecisionStatus.NO_CHECKPOINT) {
                return Prepared.finished(
                        Outcomes.failed(
                                decision,
                                "SOURCE_MISSING",
                                "no checkpoint was available",
                                false,
                                "test",
                                1L));
            }
            return Prepared.split(2);
        }

        @Override
        public GroupOutcome writeGroup(
                GrowthDecision decision, int group, int groups, ProgressListener progress) {
            return GroupOutcome.staged(
                    FileEntry.newBuilder()
                            .setPath(decision.getDecisionId() + "-" + group + "-of-" + groups)
                            .setBytes(group + 1)
                            .setSha256("0".repeat(64))
                            .build());
        }

        @Override
        public CheckpointPublished commit(
                GrowthDecision decision, List<FileEntry> shards, ProgressListener progress) {
            CheckpointPublished published = Fixtures.published();
            published.setRunId(decision.getRunId());
            published.setDecisionId(decision.getDecisionId());
            published.setFiles(shards);
            published.setTotalBytes(shards.stream().mapToLong(FileEntry::getBytes).sum());
            return published;
        }

        @Override
        public CheckpointPublished abandon(GrowthDecision decision, CheckpointPublished outcome) {
            return outcome;
        }
    }

    private static GrowthDecision decision(
            String id, String run, Action action, DecisionStatus status) {
        GrowthDecision d = Fixtures.decision();
        d.setDecisionId(id);
        d.setRunId(run);
        d.setAction(action);
        d.setStatus(status);
        if (status == DecisionStatus.NO_CHECKPOINT) {
            d.setSourceCheckpoint(null);
        }
        return d;
    }

    @Test
    void everyActionableDecisionGetsExactlyOneOutcome() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        try (KafkaTopics topics = new KafkaTopics(kafka.bootstrapServers())) {
            GrowthDecision ready =
                    decision("d-ready-" + suffix, "run-a", Action.GROW, DecisionStatus.READY);
            topics.send("run-a", ready);
            topics.send("run-a", ready); // replayed: must not be transformed twice
            topics.send(
                    "run-b",
                    decision(
                            "d-missing-" + suffix,
                            "run-b",
                            Action.SHRINK,
                            DecisionStatus.NO_CHECKPOINT));
            topics.send(
                    "run-c",
                    decision("d-advice-" + suffix, "run-c", Action.NONE, DecisionStatus.ADVISORY));
            topics.send(
                    "graft.decisions",
                    "run-d",
                    "{\"run_id\": 7}".getBytes(java.nio.charset.StandardCharsets.UTF_8));

            Configuration conf = new Configuration();
            conf.set(GraftOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            conf.set(GraftOptions.KAFKA_GROUP_ID_PREFIX, "tj-" + suffix);
            conf.set(GraftOptions.KAFKA_TRANSACTIONAL_ID_PREFIX, "tj-" + suffix);
            conf.set(GraftOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(500));
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
                            worker -> new FakeExecutor(),
                            () -> ProgressListener.NONE,
                            TransformSettings.from(conf))
                    .build(env);
            JobClient job = env.executeAsync("transform-itcase");
            try {
                List<CheckpointPublished> outcomes =
                        topics.readCommitted(
                                CheckpointPublished.class,
                                all ->
                                        all.stream()
                                                        .filter(
                                                                o ->
                                                                        o.getDecisionId()
                                                                                .endsWith(suffix))
                                                        .count()
                                                >= 2,
                                Duration.ofSeconds(3),
                                Duration.ofSeconds(90));
                assertThat(outcomes.stream().filter(o -> o.getDecisionId().endsWith(suffix)))
                        .extracting(
                                CheckpointPublished::getDecisionId, CheckpointPublished::getStatus)
                        .containsExactlyInAnyOrder(
                                org.assertj.core.groups.Tuple.tuple(
                                        "d-ready-" + suffix, PublishStatus.PUBLISHED),
                                org.assertj.core.groups.Tuple.tuple(
                                        "d-missing-" + suffix, PublishStatus.FAILED));
                // Both groups of the decision reached the committer, in group order.
                assertThat(
                                outcomes.stream()
                                        .filter(o -> o.getDecisionId().equals("d-ready-" + suffix))
                                        .findFirst()
                                        .orElseThrow()
                                        .getFiles())
                        .extracting(FileEntry::getPath)
                        .containsExactly(
                                "d-ready-" + suffix + "-0-of-2", "d-ready-" + suffix + "-1-of-2");

                List<DeadLetter> dead =
                        topics.readCommitted(
                                DeadLetter.class,
                                all ->
                                        all.stream()
                                                        .filter(
                                                                d ->
                                                                        d.getSourceTopic()
                                                                                .equals(
                                                                                        "graft.decisions"))
                                                        .count()
                                                >= 2,
                                Duration.ofSeconds(2),
                                Duration.ofSeconds(30));
                assertThat(dead.stream().filter(d -> d.getSourceTopic().equals("graft.decisions")))
                        .extracting(d -> d.getError().getCode())
                        .containsExactlyInAnyOrder("SOURCE_MISSING", "MISSING_FIELD");
                assertThat(
                                dead.stream()
                                        .filter(
                                                d ->
                                                        d.getError()
                                                                .getCode()
                                                                .equals("SOURCE_MISSING")))
                        .singleElement()
                        .satisfies(
                                d ->
                                        assertThat(d.getError().getMessage())
                                                .contains("d-missing-" + suffix, "run-b"));
            } finally {
                dev.graft.jobs.testing.Jobs.cancel(job);
            }
        }
    }
}
