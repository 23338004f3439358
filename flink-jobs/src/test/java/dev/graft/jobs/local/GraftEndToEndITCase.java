package dev.graft.jobs.local;

import dev.graft.cli.CliRun;
import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.jobs.testing.KafkaTopics;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.CheckpointRef;
import dev.graft.schema.CheckpointSaved;
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

    @Test
    void aPlateauBecomesAPublishedGrownCheckpoint() throws Exception {
        Path source = Files.createDirectories(dir.resolve("trainer/run-e2e/step-20"));
        Path golden =
                Path.of("..", "connectors", "src", "test", "resources", "models", "llama-gqa-tied");
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(golden.resolve(f), source.resolve(f));
        }
        Path store = dir.resolve("store");
        Configuration overrides =
                Configuration.fromMap(
                        Map.of(
                                "graft.trigger.plateau.patience", "3",
                                "graft.checkpoint.interval", "500 ms",
                                "graft.store.root", store.toUri().toString()));
        try (LocalStack stack = LocalStack.start(new LocalStack.Options(0, null, 0, overrides));
                KafkaTopics topics = new KafkaTopics(stack.bootstrapServers())) {
            String run = "run-e2e";
            topics.send(
                    run,
                    CheckpointSaved.newBuilder()
                            .setRunId(run)
                            .setCheckpoint(
                                    CheckpointRef.newBuilder()
                                            .setUri(source.toUri().toString())
                                            .setGeneration(0)
                                            .setStep(20)
                                            .setSha256(null)
                                            .build())
                            .setWallTimeMs(1_700_000_000_000L)
                            .setFormat("hf-safetensors")
                            .setArch(ArchSpecs.toAvro(HfConfig.read(source.resolve("config.json"))))
                            .setFiles(CheckpointStore.describeLocal(source))
                            .setTrainingState(Map.of())
                            .build());
            double[] losses = {4.0, 3.0, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5};
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
}
