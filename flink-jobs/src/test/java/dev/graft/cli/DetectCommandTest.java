package dev.graft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DetectCommandTest {
    @TempDir Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(new DetectCommand(), args);
    }

    /** The PyTorch docs example: patience 2 fires on the 3rd bad evaluation. */
    private Path docsExample() throws IOException {
        return Files.writeString(
                dir.resolve("loss.csv"),
                "step,loss\n1,1.0\n2,0.99\n3,0.99\n4,1.2\n5,0.98999\n6,0.95\n");
    }

    @Test
    void listsFiringsAsPyTorchWouldReduceTheLearningRate() throws IOException {
        CliRun run = run(docsExample().toString(), "--patience", "2");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out())
                .contains("# loss.csv: 6 points of 'loss', steps 1..6")
                .containsPattern(
                        "\\n5 +rlrop +PLATEAU +0\\.989990 +0\\.989990 +0\\.990000 +3 evaluations")
                .contains("# 1 firings {rlrop=1}");
    }

    @Test
    void jsonHasStepKindAndEvidenceAndCooldownWorksAsInPyTorch() throws IOException {
        Path flat =
                Files.writeString(
                        dir.resolve("flat.csv"),
                        "step,loss\n1,1\n2,1\n3,1\n4,1\n5,1\n6,1\n7,nan\n");

        CliRun run = run(flat.toString(), "--patience", "0", "--cooldown", "2", "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode array = new ObjectMapper().readTree(run.out());
        assertThat(array).hasSize(3);
        assertThat(array.get(0).get("step").asLong()).isEqualTo(2);
        assertThat(array.get(0).get("kind").asText()).isEqualTo("PLATEAU");
        assertThat(array.get(0).get("best").asDouble()).isEqualTo(1.0);
        assertThat(array.get(0).get("bad_evaluations").asInt()).isEqualTo(1);
        assertThat(array.get(1).get("step").asLong()).isEqualTo(5); // 3 and 4 in cooldown
        assertThat(array.get(2).get("kind").asText()).isEqualTo("DIVERGENCE");
        assertThat(array.get(2).get("value").isNull()).isTrue();
        assertThat(array.get(2).get("reason").asText()).isEqualTo("nan");
    }

    @Test
    void trendModeOnATextLogReportsTheSlope() throws IOException {
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            log.append("step:")
                    .append(i * 10)
                    .append("/300 train_loss:")
                    .append(i < 10 ? 3.0 - 0.1 * i : 2.0)
                    .append('\n');
        }
        Path file = Files.writeString(dir.resolve("train.log"), log.toString());

        CliRun run =
                run(
                        file.toString(),
                        "--mode",
                        "trend",
                        "--ema-weight",
                        "0.5",
                        "--trend-window",
                        "5",
                        "--horizon",
                        "100",
                        "--patience",
                        "0",
                        "--cooldown",
                        "100",
                        "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode first = new ObjectMapper().readTree(run.out()).get(0);
        assertThat(first.get("kind").asText()).isEqualTo("TREND");
        assertThat(first.get("mode").asText()).isEqualTo("trend");
        assertThat(first.get("slope").isNumber()).isTrue();
        assertThat(first.get("projected_improvement").asDouble()).isLessThan(0.01);
    }

    @Test
    void plotsAPng() throws IOException {
        Path png = dir.resolve("out/loss.png");

        CliRun run =
                run(
                        docsExample().toString(),
                        "--mode",
                        "rlrop,ema,median,trend",
                        "--plot",
                        png.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void badInputIsOneLineNamingFileAndLineWithExitCode2() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.csv"), "step,loss\n1,2.0\n2,oops\n");

        CliRun run = run(bad.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip())
                .doesNotContain("\n")
                .isEqualTo(
                        "graft detect: "
                                + bad
                                + " line 3: expected a number (or nan/inf), found 'oops'");
        assertThat(run(bad.toString(), "--mode", "nope").err())
                .contains("--mode must be rlrop, ema, median or trend");
        assertThat(run(dir.resolve("none.csv").toString()).exitCode()).isEqualTo(2);
    }
}
