package dev.graft.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code graft shrink} on the numpy reference's 4-layer GPT-2 (growth/src/test/resources/shrink).
 */
class ShrinkCommandTest {

    private static final Path FIXTURE =
            Path.of("../growth/src/test/resources/shrink/subclone-gpt2");

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
    void subcloneWritesTheShrunkCheckpointWithVerificationNumbers() throws Exception {
        Path src = source();
        Path dst = dir.resolve("dst");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit =
                run(
                        out,
                        err,
                        "shrink",
                        "--op",
                        "subclone",
                        "--to",
                        "hidden=8,layers=2,ffn=32",
                        "--calibration",
                        FIXTURE.resolve("calibration.txt").toString(),
                        "--quiet",
                        src.toString(),
                        dst.toString());
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("shrank").contains("embedding cos");
        assertThat(Files.readString(dst.resolve("config.json")))
                .contains("\"n_embd\" : 8")
                .contains("\"n_layer\" : 2")
                .contains("\"n_head\" : 2");
        assertThat(Files.readString(dst.resolve("graft.json")))
                .contains("\"operator\" : \"subclone\"")
                .contains("\"verify.embedding_cosine\"")
                .contains("\"verify.relative_logit_delta\"")
                .contains("\"rescale\" : \"FAN_IN\"")
                .contains("calibration.txt")
                .contains("\"calibration.format\" : \"token-ids\"")
                .contains(
                        "\"calibration.sha256\" : \""
                                + HexFormat.of()
                                        .formatHex(
                                                MessageDigest.getInstance("SHA-256")
                                                        .digest(
                                                                Files.readAllBytes(
                                                                        FIXTURE.resolve(
                                                                                "calibration.txt"))))
                                + "\"");
        assertThat(run(new StringWriter(), new StringWriter(), "inspect", dst.toString())).isZero();
    }

    @Test
    void dryRunPrintsTheSelectionPlan() throws Exception {
        StringWriter out = new StringWriter();
        int exit =
                run(
                        out,
                        new StringWriter(),
                        "shrink",
                        "--op",
                        "select",
                        "--to",
                        "hidden=8,layers=2",
                        "--dry-run",
                        source().toString(),
                        dir.resolve("never").toString());
        assertThat(exit).isZero();
        assertThat(out.toString())
                .contains("plan: select")
                .contains("hidden 16→8 (8 kept: [0,2,4,6,8,10,12,14])")
                .contains("layers ← 0 1");
        assertThat(dir.resolve("never")).doesNotExist();
    }

    @Test
    void compareMeasuresAllThreeOperators() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit =
                run(
                        out,
                        err,
                        "shrink",
                        "--compare",
                        "--to",
                        "hidden=8,ffn=32",
                        "--calibration",
                        FIXTURE.resolve("calibration.txt").toString(),
                        source().toString());
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("| subclone |")
                .contains("| select |")
                .contains("| magnitude |");
    }

    @Test
    void errorsAreOneLineAndExit2() throws Exception {
        Path src = source();
        StringWriter err = new StringWriter();
        assertThat(
                        run(
                                new StringWriter(),
                                err,
                                "shrink",
                                "--op",
                                "select",
                                "--to",
                                "hidden=32",
                                src.toString(),
                                dir.resolve("x").toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("--to hidden=32 is larger than the source's 16")
                .hasLineCount(1);
        StringWriter err2 = new StringWriter();
        assertThat(
                        run(
                                new StringWriter(),
                                err2,
                                "shrink",
                                "--op",
                                "subclone",
                                "--to",
                                "hidden=8",
                                src.toString(),
                                dir.resolve("y").toString()))
                .isEqualTo(2);
        assertThat(err2.toString())
                .contains(src + " has no tokenizer.json for Graft's built-in English corpus")
                .contains("give --calibration FILE");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void textCalibrationNeedsTheCheckpointsTokenizerAndIsNotGivenTwice() throws Exception {
        Path src = source();
        Path text = Files.writeString(dir.resolve("sentences.txt"), "The cat slept.\n");
        StringWriter err = new StringWriter();
        assertThat(
                        run(
                                new StringWriter(),
                                err,
                                "shrink",
                                "--to",
                                "hidden=8",
                                "--calibration-text",
                                text.toString(),
                                src.toString(),
                                dir.resolve("x").toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("--calibration-text needs the checkpoint's tokenizer")
                .contains(src + " has no tokenizer.json")
                .hasLineCount(1);
        StringWriter err2 = new StringWriter();
        assertThat(
                        run(
                                new StringWriter(),
                                err2,
                                "shrink",
                                "--to",
                                "hidden=8",
                                "--calibration",
                                FIXTURE.resolve("calibration.txt").toString(),
                                "--calibration-text",
                                text.toString(),
                                src.toString(),
                                dir.resolve("y").toString()))
                .isEqualTo(2);
        assertThat(err2.toString()).contains("not both");
        StringWriter err3 = new StringWriter();
        assertThat(
                        run(
                                new StringWriter(),
                                err3,
                                "shrink",
                                "--to",
                                "hidden=8",
                                "--calibration",
                                text.toString(),
                                src.toString(),
                                dir.resolve("z").toString()))
                .isEqualTo(2);
        assertThat(err3.toString())
                .contains("'The' is not a token id")
                .contains("for plain text use --calibration-text");
    }
}
