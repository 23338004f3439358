package dev.graft.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code graft grow} on the numpy reference's tiny GPT-2 (growth/src/test/resources/ops). */
class GrowCommandTest {

    private static final Path FIXTURE =
            Path.of("../growth/src/test/resources/ops/hyperclone-gpt2-x2");

    @TempDir Path dir;

    private Path source() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.copy(FIXTURE.resolve("source.safetensors"), src.resolve("model.safetensors"));
        Files.copy(FIXTURE.resolve("config.json"), src.resolve("config.json"));
        return src;
    }

    private int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = GraftCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void growsWritesConfigAndManifestAndInspects() throws Exception {
        Path src = source();
        Path dst = dir.resolve("dst");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit =
                run(
                        out,
                        err,
                        "grow",
                        "--op",
                        "lemon",
                        "--to",
                        "hidden=24,layers=3",
                        "--seed",
                        "5",
                        src.toString(),
                        dst.toString());
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("grew").contains("exact");
        String config = Files.readString(dst.resolve("config.json"));
        assertThat(config)
                .contains("\"n_embd\" : 24")
                .contains("\"n_layer\" : 3")
                .contains("\"n_head\" : 6");
        String manifest = Files.readString(dst.resolve("graft.json"));
        assertThat(manifest)
                .contains("\"operator\" : \"lemon\"")
                .contains("\"schedule.decay_steps_factor\" : \"0.6\"")
                .contains("\"seed\" : \"5\"")
                .contains("model.safetensors");
        // Verified by default: both models ran on the same probes and the result is recorded.
        assertThat(out.toString()).contains("verification: ");
        var verification =
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(manifest)
                        .get("verification");
        assertThat(verification.get("lossless").asBoolean()).isTrue();
        assertThat(verification.get("passed").asBoolean()).isTrue();
        assertThat(verification.get("relative_delta").asDouble()).isLessThanOrEqualTo(1e-4);
        StringWriter inspect = new StringWriter();
        assertThat(run(inspect, new StringWriter(), "inspect", dst.toString())).isZero();
        // And graft verify, run on its own, agrees.
        assertThat(
                        run(
                                new StringWriter(),
                                new StringWriter(),
                                "verify",
                                src.toString(),
                                dst.toString()))
                .isZero();
    }

    @Test
    void dryRunPrintsThePlanAndWritesNothing() throws Exception {
        Path src = source();
        StringWriter out = new StringWriter();
        int exit =
                run(
                        out,
                        new StringWriter(),
                        "grow",
                        "--op",
                        "hyperclone",
                        "--factor",
                        "2",
                        "--dry-run",
                        src.toString(),
                        dir.resolve("never").toString());
        assertThat(exit).isZero();
        assertThat(out.toString())
                .contains("plan: hyperclone")
                .contains("h.1.attn.c_attn.weight [32, 96] ← h.1.attn.c_attn.weight [16, 48]");
        assertThat(dir.resolve("never")).doesNotExist();
    }

    @Test
    void impossibleTargetsSayWhatWouldWork() throws Exception {
        Path src = source();
        StringWriter err = new StringWriter();
        int exit =
                run(
                        new StringWriter(),
                        err,
                        "grow",
                        "--op",
                        "hyperclone",
                        "--to",
                        "hidden=24",
                        src.toString(),
                        dir.resolve("x").toString());
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("Use hidden=16 or 32, or --op lemon");
        assertThat(dir.resolve("x")).doesNotExist();
    }
}
