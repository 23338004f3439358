package dev.graft.connectors.transform;

import dev.graft.connectors.hf.HfTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The tokens subcloning measures activations on, and where they came from. Three sources, each
 * named by what it is, never guessed from a file's content:
 *
 * <ul>
 *   <li>{@link #tokenIds(Path)}: token ids, one sequence per line (whitespace or commas; {@code #}
 *       starts a comment) — {@code graft shrink --calibration FILE};
 *   <li>{@link #text(Path, Path)}: plain text, one sequence per non-blank line (no comments: a
 *       {@code #} is text), through the checkpoint's {@code tokenizer.json} ({@link HfTokenizer}) —
 *       {@code --calibration-text FILE};
 *   <li>{@link #builtIn(Path)}: Graft's own small English corpus ({@value #BUILT_IN_RESOURCE}, 263
 *       sentences written for Graft, public domain) through the checkpoint's {@code tokenizer.json}
 *       — what {@code graft shrink} uses when given neither and the checkpoint has a tokenizer.
 * </ul>
 *
 * <p>{@link #manifestOptions()} is the provenance written to {@code graft.json}: the source, its
 * format, the sha256 of its bytes (and of the tokenizer.json that turned text into ids), and the
 * number of sequences and tokens.
 *
 * <pre>{@code
 * Calibration cal = Calibration.text(Path.of("sentences.txt"), checkpointDir);
 * Importance imp = ActivationImportance.measure(model, cal.sequences());
 * }</pre>
 */
public record Calibration(
        List<int[]> sequences,
        String source,
        Format format,
        String sha256,
        String tokenizerSha256) {

    /** Classpath resource of the built-in corpus (provenance: docs/operators.md, "Calibration"). */
    public static final String BUILT_IN_RESOURCE = "graft/calibration/english.txt";

    /** What the calibration data was. */
    public enum Format {
        /** Token ids, one sequence per line. */
        TOKEN_IDS,
        /** Plain text, one sequence per line, through the checkpoint's tokenizer.json. */
        TEXT,
        /** Graft's built-in English corpus, through the checkpoint's tokenizer.json. */
        BUILT_IN_TEXT;

        /** {@code token-ids}, {@code text}, {@code built-in-text}. */
        public String manifestName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public Calibration {
        Objects.requireNonNull(sequences, "sequences");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(sha256, "sha256");
        sequences = List.copyOf(sequences);
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no calibration sequences");
        }
    }

    /**
     * Token ids from {@code file}, one sequence per line.
     *
     * @throws IllegalArgumentException when the file is missing, empty or holds something other
     *     than integers (saying to use {@code --calibration-text} for text)
     */
    public static Calibration tokenIds(Path file) throws IOException {
        byte[] bytes = read(file, "token ids, one sequence per line");
        return new Calibration(
                parseTokenIds(
                        file, new String(bytes, StandardCharsets.UTF_8), NOT_AN_ID_HINT, false),
                file.toString(),
                Format.TOKEN_IDS,
                sha256(bytes),
                null);
    }

    /**
     * Plain text from {@code file}, one sequence per non-blank line, through {@code
     * checkpointDir/tokenizer.json}.
     *
     * @throws IllegalArgumentException when the file is missing or blank, or the checkpoint has no
     *     tokenizer.json (naming the checkpoint directory)
     */
    public static Calibration text(Path file, Path checkpointDir) throws IOException {
        byte[] bytes = read(file, "text, one sequence per line");
        return fromText(
                new String(bytes, StandardCharsets.UTF_8),
                file.toString(),
                Format.TEXT,
                sha256(bytes),
                checkpointDir);
    }

    /**
     * Graft's built-in English corpus through {@code checkpointDir/tokenizer.json}.
     *
     * @throws IllegalArgumentException when the checkpoint has no tokenizer.json
     */
    public static Calibration builtIn(Path checkpointDir) throws IOException {
        byte[] bytes = builtInBytes();
        return fromText(
                new String(bytes, StandardCharsets.UTF_8),
                "graft built-in English corpus (" + BUILT_IN_RESOURCE + ")",
                Format.BUILT_IN_TEXT,
                sha256(bytes),
                checkpointDir);
    }

    /** The built-in corpus, one sentence per line. */
    public static List<String> builtInSentences() throws IOException {
        return lines(new String(builtInBytes(), StandardCharsets.UTF_8));
    }

    private static byte[] builtInBytes() throws IOException {
        try (InputStream in =
                Calibration.class.getClassLoader().getResourceAsStream(BUILT_IN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        BUILT_IN_RESOURCE
                                + " is not on the classpath; it ships in graft-connectors' jar");
            }
            return in.readAllBytes();
        }
    }

    private static Calibration fromText(
            String text, String source, Format format, String sha256, Path checkpointDir)
            throws IOException {
        List<String> lines = lines(text);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no text (every line is blank)");
        }
        Path tokenizerFile = checkpointDir.resolve(HfTokenizer.FILE_NAME);
        try (HfTokenizer tokenizer = HfTokenizer.open(checkpointDir)) {
            return new Calibration(
                    tokenizer.encodeAll(lines),
                    source,
                    format,
                    sha256,
                    sha256(Files.readAllBytes(tokenizerFile)));
        }
    }

    /** Non-blank lines, trimmed. */
    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String t = line.strip();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    private static byte[] read(Path file, String expected) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " is not a file; expected " + expected);
        }
        return Files.readAllBytes(file);
    }

    /** What the error for a word in a calibration token file says after the word. */
    private static final String NOT_AN_ID_HINT =
            " (expected integers, one sequence per line; for plain text use --calibration-text)";

    /**
     * Token-id sequences, one per line, any lengths; {@code #} starts a comment.
     *
     * @throws IllegalArgumentException naming the file and line of anything that is not an integer
     */
    public static List<int[]> readTokenIds(Path file) throws IOException {
        return readTokenIds(file, NOT_AN_ID_HINT, false);
    }

    /**
     * Token-id sequences, one per line; {@code #} starts a comment.
     *
     * @param notAnId what the error for anything that is not an integer says after it
     * @param sameLength whether every sequence must be as long as the first (one batch)
     * @throws IllegalArgumentException naming the file and line of anything that is not an integer,
     *     or of a sequence of another length
     */
    public static List<int[]> readTokenIds(Path file, String notAnId, boolean sameLength)
            throws IOException {
        return parseTokenIds(
                file,
                new String(read(file, "token ids"), StandardCharsets.UTF_8),
                notAnId,
                sameLength);
    }

    private static List<int[]> parseTokenIds(
            Path file, String content, String notAnId, boolean sameLength) {
        List<int[]> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : content.split("\\R")) {
            lineNo++;
            int hash = line.indexOf('#');
            String body = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (body.isEmpty()) {
                continue;
            }
            String[] parts = body.split("[\\s,]+");
            int[] ids = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    ids[i] = Integer.parseInt(parts[i]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            file
                                    + " line "
                                    + lineNo
                                    + ": '"
                                    + parts[i]
                                    + "' is not a token id"
                                    + notAnId);
                }
            }
            if (sameLength && !out.isEmpty() && ids.length != out.get(0).length) {
                throw new IllegalArgumentException(
                        file
                                + " line "
                                + lineNo
                                + " has "
                                + ids.length
                                + " tokens; expected "
                                + out.get(0).length
                                + " like the first sequence");
            }
            out.add(ids);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no token ids");
        }
        return out;
    }

    /** Tokens over all sequences. */
    public int tokens() {
        return sequences.stream().mapToInt(s -> s.length).sum();
    }

    /**
     * The provenance for {@code graft.json}: {@code calibration} (the source), {@code
     * calibration.format}, {@code calibration.sha256} (of the file's bytes), {@code
     * calibration.tokenizer_sha256} (text only), {@code calibration.sequences}, {@code
     * calibration.tokens}.
     */
    public Map<String, String> manifestOptions() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("calibration", source);
        out.put("calibration.format", format.manifestName());
        out.put("calibration.sha256", sha256);
        if (tokenizerSha256 != null) {
            out.put("calibration.tokenizer_sha256", tokenizerSha256);
        }
        out.put("calibration.sequences", Integer.toString(sequences.size()));
        out.put("calibration.tokens", Integer.toString(tokens()));
        return out;
    }

    /** {@code 263 sequences, 3790 tokens}. */
    public String describe() {
        return sequences.size() + " sequences, " + tokens() + " tokens";
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
