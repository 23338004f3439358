package dev.graft.connectors.hf;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A checkpoint's {@code tokenizer.json} through Hugging Face's own tokenizers library (the Rust
 * crate, via DJL's Java binding {@code ai.djl.huggingface:tokenizers}, whose jar carries the native
 * library for linux-x86_64/aarch64, macOS and Windows). Text is encoded as the model saw it:
 * normaliser, pre-tokeniser, model and post-processor of the file, with its special tokens (BERT's
 * {@code [CLS] … [SEP]}), <b>never padded or truncated</b> — the file's own padding and truncation
 * settings (all-MiniLM-L6-v2 pads every sequence to 128) are switched off.
 *
 * <p>Never touches the network: DJL's offline mode ({@value #OFFLINE_PROPERTY}) is set before the
 * first use unless the JVM already sets it, so the native library is taken from the jar (extracted
 * once into DJL's cache directory, {@code ~/.djl.ai/tokenizers} or {@code $DJL_CACHE_DIR}) and
 * never downloaded.
 *
 * <pre>{@code
 * try (HfTokenizer t = HfTokenizer.open(checkpointDir)) {
 *     int[] ids = t.encode("The cat slept on the warm windowsill.");  // 101 1996 4937 … 102
 * }
 * }</pre>
 */
public final class HfTokenizer implements AutoCloseable {

    /** The file a Hugging Face checkpoint keeps its fast tokenizer in. */
    public static final String FILE_NAME = "tokenizer.json";

    /** DJL's switch that forbids downloads (of native libraries, models). */
    static final String OFFLINE_PROPERTY = "ai.djl.offline";

    /** The tokenizers binding's version, for messages and provenance. */
    public static final String LIBRARY = "ai.djl.huggingface:tokenizers 0.38.0";

    private final Path file;
    private final HuggingFaceTokenizer tokenizer;
    private boolean closed;

    private HfTokenizer(Path file, HuggingFaceTokenizer tokenizer) {
        this.file = file;
        this.tokenizer = tokenizer;
    }

    /** Whether {@code checkpointDir} has a {@code tokenizer.json}. */
    public static boolean isPresent(Path checkpointDir) {
        return Files.isRegularFile(checkpointDir.resolve(FILE_NAME));
    }

    /**
     * Opens {@code checkpointDir/tokenizer.json}.
     *
     * @throws IllegalArgumentException when the directory has no {@code tokenizer.json}, naming it
     * @throws IOException when the file cannot be read or parsed
     * @throws IllegalStateException when the native library cannot be loaded, saying where it is
     *     extracted and what to do instead
     */
    public static HfTokenizer open(Path checkpointDir) throws IOException {
        Path file = checkpointDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    checkpointDir
                            + " has no "
                            + FILE_NAME
                            + "; text is turned into token ids by the checkpoint's own tokenizer."
                            + " Copy the model's tokenizer.json into "
                            + checkpointDir
                            + ", or give token ids instead");
        }
        goOffline();
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer =
                    HuggingFaceTokenizer.builder()
                            .optTokenizerPath(file)
                            .optAddSpecialTokens(true)
                            .optPadding(false)
                            .optTruncation(false)
                            .build();
        } catch (IOException e) {
            throw new IOException("could not read " + file + ": " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw nativeLibraryFailure(e);
        } catch (RuntimeException e) {
            if (isNativeLoadFailure(e)) {
                throw nativeLibraryFailure(e);
            }
            throw new IOException(
                    "could not parse " + file + " as a Hugging Face tokenizer: " + e.getMessage(),
                    e);
        }
        return new HfTokenizer(file, tokenizer);
    }

    /** Sets DJL's offline mode unless the JVM was started with a value for it. */
    static void goOffline() {
        if (System.getProperty(OFFLINE_PROPERTY) == null) {
            System.setProperty(OFFLINE_PROPERTY, "true");
        }
    }

    private static boolean isNativeLoadFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof LinkageError
                    || t.getClass().getName().equals("ai.djl.engine.EngineException")) {
                return true;
            }
        }
        return false;
    }

    /** The message when libtokenizers cannot be loaded: what, where, what to do. */
    static IllegalStateException nativeLibraryFailure(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new IllegalStateException(
                String.format(
                        Locale.ROOT,
                        "could not load the Hugging Face tokenizers native library for %s/%s that"
                                + " %s carries in its jar (it is extracted into %s; set"
                                + " DJL_CACHE_DIR to a writable directory if that one is not):"
                                + " %s. Give token ids (--calibration FILE) instead of text",
                        System.getProperty("os.name"),
                        System.getProperty("os.arch"),
                        LIBRARY,
                        cacheDirectory(),
                        root.getClass().getSimpleName() + ": " + root.getMessage()),
                cause);
    }

    private static String cacheDirectory() {
        try {
            return ai.djl.util.Utils.getEngineCacheDir("tokenizers").toString();
        } catch (RuntimeException | LinkageError e) {
            return "DJL's cache directory";
        }
    }

    /** The file this tokenizer was read from. */
    public Path file() {
        return file;
    }

    /**
     * Token ids of {@code text}, with the tokenizer's special tokens; no padding, no truncation.
     */
    public int[] encode(String text) {
        if (closed) {
            throw new IllegalStateException(file + ": the tokenizer is closed");
        }
        Encoding encoding = tokenizer.encode(text, true, false);
        long[] ids = encoding.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** {@link #encode} of every line. */
    public List<int[]> encodeAll(List<String> lines) {
        List<int[]> out = new ArrayList<>(lines.size());
        for (String line : lines) {
            out.add(encode(line));
        }
        return out;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            tokenizer.close();
        }
    }
}
