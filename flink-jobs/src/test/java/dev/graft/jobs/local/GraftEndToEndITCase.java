package dev.graft.jobs.local;

import dev.graft.cli.CliRun;
import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.jobs.testing.KafkaTopics;
import dev.graft.schema.BudgetChange;
import dev.graft.schema.BudgetScope;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.CheckpointRef;
import dev.graft.schema.CheckpointSaved;
import dev.graft.schema.GrowPolicy;
import dev.graft.schema.PublishStatus;
import dev.graft.schema.TrainingMetric;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole loop through a real broker, both jobs on a MiniCluster, a real checkpoint on disk: a
 * trainer announces a checkpoint and sends metrics that plateau → one decision → one grown,
 * verified checkpoint published, which {@code graft inspect} accepts and {@code graft verify} shows
 * computes the same function as the source.
 */
@Timeout(240)
class GraftEndToEndITCase {
    @TempDir Path dir;

    private Path trainerCheckpoint(String run) throws Exception {
        Path source =
                Files.createDirectories(dir.resolve("trainer").resolve(run).resolve("step-20"));
        Path golden =
                Path.of("..", "connectors", "src", "test", "resources", "models", "llama-gqa-tied");
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(golden.resolve(f), source.resolve(f));
        }
        return source;
    }

    private LocalStack start() throws Exception {
        Configuration overrides =
                Configuration.fromMap(
                        Map.of(
                                "graft.trigger.plateau.patience", "3",
                                "graft.checkpoint.interval", "500 ms",
                                "graft.store.root", dir.resolve("store").toUri().toString()));
        return LocalStack.start(new LocalStack.Options(0, null, 0, overrides));
    }

    private static void announce(KafkaTopics topics, String run, Path source, long step)
            throws Exception {
        topics.send(
                run,
                CheckpointSaved.newBuilder()
                        .setRunId(run)
                        .setCheckpoint(
                                CheckpointRef.newBuilder()
                                        .setUri(source.toUri().toString())
                                        .setGeneration(0)
                                        .setStep(step)
                                        .setSha256(null)
                                        .build())
                        .setWallTimeMs(1_700_000_000_000L)
                        .setFormat("hf-safetensors")
                        .setArch(ArchSpecs.toAvro(HfConfig.read(source.resolve("config.json"))))
                        .setFiles(CheckpointStore.describeLocal(source))
                        .setTrainingState(Map.of())
                        .build());
    }

    private static void sendLosses(KafkaTopics topics, String run, double... losses) {
        for (int i = 0; i < losses.length; i++) {
            topics.send(
                    run,
                    TrainingMetric.newBuilder()
                            .setRunId(run)
                            .setGeneration(0)
                            .setStep(10L * i)
                            .setWallTimeMs(1_700_000_000_000L + i)
                            .setMetrics(Map.of("loss", losses[i]))
                            .setSplit("train")
                            .setTokensSeen(null)
                            .setSource("GraftEndToEndITCase")
                            .build());
        }
    }

    @Test
    void aPlateauBecomesAPublishedGrownCheckpoint() throws Exception {
        String run = "run-e2e";
        Path source = trainerCheckpoint(run);
        try (LocalStack stack = start();
                KafkaTopics topics = new KafkaTopics(stack.bootstrapServers())) {
            announce(topics, run, source, 20);
            sendLosses(topics, run, 4.0, 3.0, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5);

            List<CheckpointPublished> outcomes =
                    topics.readCommitted(
                            CheckpointPublished.class,
                            all -> !all.isEmpty(),
                            Duration.ofSeconds(3),
                            Duration.ofSeconds(150));

            assertThat(outcomes)
                    .singleElement()
                    .satisfies(
                            o -> {
                                assertThat(o.getStatus())
                                        .as(String.valueOf(o.getError()))
                                        .isEqualTo(PublishStatus.PUBLISHED);
                                assertThat(o.getRunId()).isEqualTo(run);
                                assertThat(o.getGeneration()).isEqualTo(1);
                                assertThat(o.getParent().getUri())
                                        .isEqualTo(source.toUri().toString());
                                assertThat(o.getTargetArch().getParameterCount())
                                        .isGreaterThan(o.getSourceArch().getParameterCount());
                                assertThat(o.getVerification().getLossless()).isTrue();
                                assertThat(o.getVerification().getPassed()).isTrue();
                            });
            Path published = Path.of(URI.create(outcomes.get(0).getCheckpoint().getUri()));
            CliRun inspect = CliRun.graft("inspect", published.toString());
            assertThat(inspect.exitCode()).as(inspect.err()).isZero();
            CliRun verify = CliRun.graft("verify", source.toString(), published.toString());
            assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
            assertThat(verify.out()).contains("verdict:   PASS");
        }
    }

    @Test
    void aBudgetDropForARunningRunEndsInAPublishedShrunkCheckpoint() throws Exception {
        String run = "run-budget";
        Path source = trainerCheckpoint(run);
        long parameters =
                ArchSpecs.toAvro(HfConfig.read(source.resolve("config.json"))).getParameterCount();
        try (LocalStack stack = start();
                KafkaTopics topics = new KafkaTopics(stack.bootstrapServers())) {
            // Saved at step 0, so it is at or before whatever step the budget decision lands on
            // (the
            // budget may be processed before or after the metrics: they are different topics).
            announce(topics, run, source, 0);
            sendLosses(topics, run, 4.0, 3.5, 3.0, 2.6);
            topics.send(
                    run,
                    BudgetChange.newBuilder()
                            .setRunId(run)
                            .setBudgetId("b-half")
                            .setScope(BudgetScope.RUN)
                            .setMaxParameters(parameters - 1)
                            .setMaxMemoryBytes(null)
                            .setMaxFlopsPerToken(null)
                            .setEffectiveFromMs(1_700_000_000_000L)
                            .setGrowPolicy(GrowPolicy.AT_NEXT_PLATEAU)
                            .setIssuedBy("ops")
                            .setReason("half the cluster went to another team")
                            .build());
            sendLosses(topics, run, 4.0, 3.5, 3.0, 2.6, 2.3);

            List<CheckpointPublished> outcomes =
                    topics.readCommitted(
                            CheckpointPublished.class,
                            all -> !all.isEmpty(),
                            Duration.ofSeconds(3),
                            Duration.ofSeconds(150));

            assertThat(outcomes)
                    .singleElement()
                    .satisfies(
                            o -> {
                                assertThat(o.getStatus())
                                        .as(String.valueOf(o.getError()))
                                        .isEqualTo(PublishStatus.PUBLISHED);
                                assertThat(o.getOperator()).isEqualTo("subclone");
                                assertThat(o.getTargetArch().getParameterCount())
                                        .isLessThan(parameters);
                                assertThat(o.getVerification().getLossless()).isFalse();
                            });
            Path published = Path.of(URI.create(outcomes.get(0).getCheckpoint().getUri()));
            assertThat(CliRun.graft("inspect", published.toString()).exitCode()).isZero();
        }
    }
}
