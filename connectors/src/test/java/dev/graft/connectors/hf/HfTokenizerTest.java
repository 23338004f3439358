package dev.graft.connectors.hf;

import dev.graft.connectors.fixtures.MiniLm;
import dev.graft.connectors.fixtures.WordPiece;
import dev.graft.connectors.transform.Calibration;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Text through a checkpoint's {@code tokenizer.json} with Hugging Face's tokenizers (DJL binding),
 * on the real all-MiniLM-L6-v2 tokenizer. Expected ids come from outside the code under test: the
 * token files in docs/data (written by the Python tokenizers library when the sentences were
 * chosen) and the test's own hand-written WordPiece ({@link WordPiece}).
 */
class HfTokenizerTest {

    private static final Path DATA = Path.of("..", "docs", "data");

    @TempDir Path dir;

    @Test
    void theProbeAndCalibrationSentencesGiveTheCheckedInTokenIds() throws Exception {
        for (String name : List.of("minilm-probes", "minilm-calibration")) {
            Calibration text =
                    Calibration.text(DATA.resolve(name + ".sentences.txt"), MiniLm.checkpoint());
            List<int[]> expected = Calibration.readTokenIds(DATA.resolve(name + ".txt"));
            List<String> sentences = Files.readAllLines(DATA.resolve(name + ".sentences.txt"));
            assertThat(text.sequences()).as(name).hasSameSizeAs(expected);
            for (int i = 0; i < expected.size(); i++) {
                assertThat(text.sequences().get(i)).as(sentences.get(i)).isEqualTo(expected.get(i));
            }
        }
    }

    @Test
    void encodesWithSpecialTokensAndNeitherPadsNorTruncates() throws Exception {
        // MiniLM's tokenizer.json pads to 128 and truncates at 128; calibration wants neither
        String longText = "word ".repeat(300).strip();
        try (HfTokenizer t = HfTokenizer.open(MiniLm.checkpoint())) {
            assertThat(t.encode("hello world")).containsExactly(101, 7592, 2088, 102);
            assertThat(t.encode(longText)).hasSize(302);
        }
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
    }

    @Test
    void theBuiltInCorpusIsEnglishTheWordPieceReferenceAgreesOnAndHoldsNoProbe() throws Exception {
        List<String> sentences = Calibration.builtInSentences();
        assertThat(sentences).hasSizeBetween(200, 400).doesNotHaveDuplicates();
        assertThat(sentences)
                .doesNotContainAnyElementsOf(
                        Files.readAllLines(DATA.resolve("minilm-probes.sentences.txt")));
        Calibration builtIn = Calibration.builtIn(MiniLm.checkpoint());
        WordPiece reference = WordPiece.read(MiniLm.tokenizerFile());
        for (int i = 0; i < sentences.size(); i++) {
            assertThat(builtIn.sequences().get(i))
                    .as(sentences.get(i))
                    .isEqualTo(reference.encode(sentences.get(i)));
        }
        byte[] resource;
        try (var in =
                getClass().getClassLoader().getResourceAsStream(Calibration.BUILT_IN_RESOURCE)) {
            resource = in.readAllBytes();
        }
        assertThat(builtIn.manifestOptions())
                .containsEntry("calibration.format", "built-in-text")
                .containsEntry("calibration.sha256", sha256(resource))
                .containsEntry(
                        "calibration.tokenizer_sha256",
                        sha256(Files.readAllBytes(MiniLm.tokenizerFile())))
                .containsEntry("calibration.sequences", Integer.toString(sentences.size()))
                .containsEntry(
                        "calibration.tokens",
                        Integer.toString(
                                builtIn.sequences().stream().mapToInt(s -> s.length).sum()));
    }

    @Test
    void textWithoutATokenizerNamesTheCheckpointDirectory() throws Exception {
        Path text = Files.writeString(dir.resolve("s.txt"), "a sentence\n");
        Path ckpt = Files.createDirectories(dir.resolve("no-tokenizer"));
        assertThatThrownBy(() -> Calibration.text(text, ckpt))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ckpt + " has no tokenizer.json");
        assertThatThrownBy(() -> Calibration.builtIn(ckpt))
                .hasMessageContaining(ckpt + " has no tokenizer.json");
    }

    @Test
    void textGivenAsTokenIdsSaysWhichOptionTakesText() throws Exception {
        Path text = Files.writeString(dir.resolve("s.txt"), "The cat slept.\n");
        assertThatThrownBy(() -> Calibration.tokenIds(text))
                .hasMessageContaining(text + " line 1: 'The' is not a token id")
                .hasMessageContaining("--calibration-text");
        Path blank = Files.writeString(dir.resolve("blank.txt"), "\n  \n");
        assertThatThrownBy(() -> Calibration.text(blank, MiniLm.checkpoint()))
                .hasMessageContaining(blank + " holds no text");
    }

    @Test
    void tokenIdsRecordTheHashOfTheFile() throws Exception {
        String content = "# comment\n101 7592 2088 102\n101, 2088 102\n";
        Path file = Files.writeString(dir.resolve("ids.txt"), content);
        Calibration c = Calibration.tokenIds(file);
        assertThat(c.sequences()).hasSize(2);
        assertThat(c.sequences().get(1)).containsExactly(101, 2088, 102);
        assertThat(c.manifestOptions())
                .containsEntry("calibration", file.toString())
                .containsEntry("calibration.format", "token-ids")
                .containsEntry(
                        "calibration.sha256", sha256(content.getBytes(StandardCharsets.UTF_8)))
                .containsEntry("calibration.tokens", "7")
                .doesNotContainKey("calibration.tokenizer_sha256");
    }

    @Test
    void aNativeLibraryFailureSaysWhatWhereAndWhatToDoInstead() {
        IllegalStateException e =
                HfTokenizer.nativeLibraryFailure(
                        new RuntimeException(
                                "Failed to load Huggingface native library.",
                                new UnsatisfiedLinkError("libtokenizers.so: cannot open")));
        assertThat(e.getMessage())
                .contains("could not load the Hugging Face tokenizers native library")
                .contains(HfTokenizer.LIBRARY)
                .contains("DJL_CACHE_DIR")
                .contains("UnsatisfiedLinkError: libtokenizers.so: cannot open")
                .contains("--calibration FILE");
    }

    @Test
    void theLibraryNamedInMessagesIsTheOneOnTheClasspath() {
        String jar =
                HuggingFaceTokenizer.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toString();
        String version = HfTokenizer.LIBRARY.substring(HfTokenizer.LIBRARY.lastIndexOf(' ') + 1);
        assertThat(jar).contains("tokenizers-" + version + ".jar");
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
