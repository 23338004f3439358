package dev.graft.cli;

import dev.graft.connectors.fixtures.MiniLm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * {@code graft shrink} calibrated from text on the real all-MiniLM-L6-v2 (connectors' fixture, with
 * its {@code tokenizer.json} in the checkpoint directory): text through the tokenizer must choose
 * exactly what the same sentences' token ids choose, and graft.json must say which text and which
 * tokenizer.
 */
class ShrinkTextCalibrationTest {

    private static final Path DATA = Path.of("..", "docs", "data");
    private static final String TO = "hidden=192,heads=6,ffn=768,layers=4";

    @TempDir Path dir;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = GraftCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void textCalibrationWritesTheSameModelAsTheSentencesTokenIdsAndRecordsItsHashes()
            throws Exception {
        String src = MiniLm.checkpoint().toString();
        Path sentences = DATA.resolve("minilm-calibration.sentences.txt");
        Path fromIds = dir.resolve("from-ids");
        Path fromText = dir.resolve("from-text");
        Run ids =
                run(
                        "shrink",
                        "--to",
                        TO,
                        "--calibration",
                        DATA.resolve("minilm-calibration.txt").toString(),
                        "--quiet",
                        src,
                        fromIds.toString());
        Run text =
                run(
                        "shrink",
                        "--to",
                        TO,
                        "--calibration-text",
                        sentences.toString(),
                        "--quiet",
                        src,
                        fromText.toString());
        assertThat(ids.exit()).as(ids.err()).isZero();
        assertThat(text.exit()).as(text.err()).isZero();

        // the same kept channels, heads, FFN neurons and blocks, in the same order: the same bytes
        assertThat(Files.readAllBytes(fromText.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(fromIds.resolve("model.safetensors")));

        JsonNode options =
                new ObjectMapper()
                        .readTree(fromText.resolve("graft.json").toFile())
                        .path("operator_options");
        assertThat(options.path("calibration").asText()).isEqualTo(sentences.toString());
        assertThat(options.path("calibration.format").asText()).isEqualTo("text");
        assertThat(options.path("calibration.sha256").asText())
                .isEqualTo(sha256(Files.readAllBytes(sentences)));
        assertThat(options.path("calibration.tokenizer_sha256").asText())
                .isEqualTo(sha256(Files.readAllBytes(MiniLm.tokenizerFile())));
        assertThat(options.path("calibration.sequences").asText()).isEqualTo("64");
        assertThat(options.path("calibration.tokens").asText()).isEqualTo("978");
    }

    @Test
    void withoutCalibrationSubcloneUsesTheBuiltInCorpusAndSaysSo() {
        Run r = run("shrink", "--to", TO, "--dry-run", MiniLm.checkpoint().toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err())
                .contains("no --calibration given")
                .contains("built-in English corpus (263 sequences")
                .contains("tokenizer.json");
        assertThat(r.out()).contains("hidden 384→192 (192 kept), by importance");
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
