package dev.graft.jobs.local;

import dev.graft.cli.CliRun;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the README promises, in-process: the local stack comes up, {@code graft send-metrics}
 * replays a plateauing curve, and {@code graft tail graft.decisions} prints the decision; a bad CSV
 * line is refused with its line number.
 */
@Timeout(180)
class LocalStackITCase {
    @TempDir Path dir;

    private static CliRun graft(String... args) {
        return CliRun.graft(args);
    }

    @Test
    void upSendMetricsTail() throws Exception {
        // A curve that improves, then stalls: patience 3 fires on the 4th flat evaluation.
        Path csv =
                Files.writeString(
                        dir.resolve("plateau.csv"),
                        "step,loss\n0,4.0\n10,3.0\n20,2.5\n30,2.5\n40,2.5\n50,2.5\n60,2.5\n70,2.5\n");
        Configuration overrides =
                Configuration.fromMap(
                        Map.of(
                                "graft.trigger.plateau.patience", "3",
                                "graft.checkpoint.interval", "500 ms",
                                "graft.store.root", dir.resolve("store").toUri().toString()));
        try (LocalStack stack = LocalStack.start(new LocalStack.Options(0, null, 0, overrides))) {
            assertThat(stack.topicNames())
                    .contains("graft.metrics", "graft.decisions", "graft.dlq");
            String bootstrap = stack.bootstrapServers();

            CliRun sent =
                    graft(
                            "send-metrics",
                            "-b",
                            bootstrap,
                            "--run",
                            "readme-run",
                            "--file",
                            csv.toString());
            assertThat(sent.exitCode()).as(sent.err()).isZero();
            assertThat(sent.out()).contains("sent 8 records to graft.metrics for run readme-run");

            CliRun tail =
                    graft(
                            "tail",
                            "graft.decisions",
                            "-b",
                            bootstrap,
                            "--max",
                            "1",
                            "--timeout",
                            "90");
            assertThat(tail.exitCode()).as(tail.err()).isZero();
            List<String> lines = tail.out().lines().toList();
            assertThat(lines).hasSize(1);
            JsonNode decision = new ObjectMapper().readTree(lines.get(0));
            assertThat(decision.get("run_id").asText()).isEqualTo("readme-run");
            assertThat(decision.get("step").asLong()).isEqualTo(60);
            assertThat(decision.get("trigger").asText()).isEqualTo("PLATEAU");
            assertThat(decision.get("evidence").get("window").get("best_step").asLong())
                    .isEqualTo(20);

            Path bad = Files.writeString(dir.resolve("bad.csv"), "step,loss\n0,1.0\n1,oops\n");
            CliRun refused =
                    graft("send-metrics", "-b", bootstrap, "--run", "r", "--file", bad.toString());
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.err()).contains("line 3", "expected a number", "'oops'");
        }
    }
}
