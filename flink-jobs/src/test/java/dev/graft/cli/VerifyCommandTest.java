package dev.graft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code graft verify} on the numpy-reference checkpoints of the connectors module's tests. */
class VerifyCommandTest {

    static final Path MODELS = Path.of("../connectors/src/test/resources/models");
    static final String GPT2 = MODELS.resolve("gpt2-tiny").toString();
    static final String GPT2_OTHER = MODELS.resolve("gpt2-transformer-prefix-untied").toString();

    @TempDir Path dir;

    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new VerifyCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void aCheckpointVerifiesAgainstItself() {
        Result r = run(GPT2, GPT2);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("probes:    4 × 16 tokens, seeded random (seed 0)")
                .contains("compared:  logits")
                .contains("max |Δ|:   0")
                .contains("verdict:   PASS");
    }

    @Test
    void differentModelsFailALosslessCheckAndAreMeasuredWhenApproximate() throws Exception {
        // Vocabularies differ (97 vs 89), widths match: final hidden states are compared.
        Result r = run(GPT2, GPT2_OTHER, "--tokens", "8");
        assertThat(r.exit()).as(r.err()).isEqualTo(VerifyCommand.FAILED);
        assertThat(r.out())
                .contains("compared:  final hidden states (the vocabularies differ (97 vs 89))")
                .contains("verdict:   FAIL");
        Result json = run(GPT2, GPT2_OTHER, "--tokens", "8", "--approximate", "--json");
        assertThat(json.exit()).as(json.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(json.out());
        assertThat(o.get("method").asText()).isEqualTo("hidden_states");
        assertThat(o.get("lossless").asBoolean()).isFalse();
        assertThat(o.get("passed").asBoolean()).isTrue();
        assertThat(o.get("tolerance").isNull()).isTrue();
        assertThat(o.get("max_abs_delta").asDouble()).isPositive();
        assertThat(o.get("relative_delta").asDouble())
                .isEqualTo(o.get("max_abs_delta").asDouble() / o.get("logit_scale").asDouble());
        assertThat(o.get("probe_tokens").asInt()).isEqualTo(8);
    }

    @Test
    void tokenFilesAreRead() throws Exception {
        Path probes = dir.resolve("probes.txt");
        Files.writeString(probes, "# two sequences\n1 2 3\n4,5,6\n");
        Result r = run(GPT2, GPT2, "--token-file", probes.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"probe_sequences\" : 2").contains("\"probe_tokens\" : 3");
        Files.writeString(probes, "1 2 3\n4 5\n");
        Result bad = run(GPT2, GPT2, "--token-file", probes.toString());
        assertThat(bad.exit()).isEqualTo(VerifyCommand.BAD_INPUT);
        assertThat(bad.err()).contains("line 2 has 2 tokens; expected 3 like the first sequence");
    }

    @Test
    void badInputExitsTwoWithOneLine() {
        Result missing = run(dir.resolve("nope").toString(), GPT2);
        assertThat(missing.exit()).isEqualTo(VerifyCommand.BAD_INPUT);
        assertThat(missing.err().strip())
                .endsWith("nope: no such file or directory")
                .doesNotContain("\n");
        Result tooLong = run(GPT2, GPT2, "--tokens", "40");
        assertThat(tooLong.exit()).isEqualTo(VerifyCommand.BAD_INPUT);
        assertThat(tooLong.err())
                .contains(
                        "--tokens is 40; expected at most 16, the learned positions of the smaller model");
        Result outside = run(GPT2, GPT2, "--token-file", write("1 2 500\n"));
        assertThat(outside.err())
                .contains(
                        "token id 500 at sequence 0, position 2 is outside the vocabulary [0, 97)");
        assertThat(outside.exit()).isEqualTo(VerifyCommand.BAD_INPUT);
    }

    private String write(String content) {
        try {
            Path p = dir.resolve("t.txt");
            Files.writeString(p, content);
            return p.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
