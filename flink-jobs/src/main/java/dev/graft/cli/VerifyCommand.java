package dev.graft.cli;

import dev.graft.connectors.hf.HfCheckpoint;
import dev.graft.connectors.hf.Verifications;
import dev.graft.connectors.transform.Calibration;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.model.ModelInput;
import dev.graft.growth.model.TransformerModel;
import dev.graft.growth.verify.Claim;
import dev.graft.growth.verify.Probes;
import dev.graft.growth.verify.Verification;
import dev.graft.growth.verify.Verifier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code graft verify SRC DST}: runs two checkpoints on the same probe inputs with Graft's
 * reference forward pass and prints how far the outputs moved.
 *
 * <pre>{@code
 * graft verify runs/r1/gen-0 runs/r1/gen-1                 # lossless: relative Δ ≤ 1e-4
 * graft verify src dst --approximate --tokens 64 --json    # copy-and-pad: numbers only
 * graft verify src dst --token-file probes.txt             # one sequence of ids per line
 * }</pre>
 *
 * <p>Logits are compared when both have a head over the same vocabulary, else final hidden states
 * of the same width; otherwise the command says what cannot be compared. Exit 0 when the check
 * passes (an approximate check passes when it ran), 1 when it fails or nothing could be compared, 2
 * for input it cannot use (a missing or invalid checkpoint, probes outside a model's vocabulary or
 * positions, a feature the reference forward pass does not implement).
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Run two checkpoints on the same probe inputs and print max and mean |Δ| of their"
                    + " logits (hidden states for encoders without a head) and pass/fail.",
            "Exit 0 passed, 1 failed or not comparable, 2 bad input."
        })
public final class VerifyCommand implements Callable<Integer> {

    /** Exit code when the check passed. */
    public static final int PASSED = 0;

    /** Exit code when it failed, or nothing could be compared. */
    public static final int FAILED = 1;

    /** Exit code for input the command cannot use. */
    public static final int BAD_INPUT = 2;

    private static final int DEFAULT_TOKENS = 32;

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC", description = "Source checkpoint directory.")
    Path source;

    @Parameters(index = "1", paramLabel = "DST", description = "Transformed checkpoint directory.")
    Path result;

    @Option(
            names = "--tokens",
            paramLabel = "N",
            description =
                    "Tokens per random probe sequence (default 32, or fewer when a model has"
                            + " fewer learned positions).")
    Integer tokens;

    @Option(
            names = "--sequences",
            paramLabel = "S",
            defaultValue = "4",
            description = "Random probe sequences (default ${DEFAULT-VALUE}).")
    int sequences;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the random probes (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description =
                    "Probe token ids instead of random ones: one sequence per line, ids separated"
                            + " by spaces or commas, all lines of one length; # starts a comment.")
    Path tokenFile;

    @Option(
            names = "--tol",
            paramLabel = "T",
            defaultValue = "1e-4",
            description =
                    "Relative tolerance of a lossless check: max|Δ| / max|source output|"
                            + " (default ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(
            names = "--approximate",
            description =
                    "The transform is approximate: report the numbers, pass whenever they were"
                            + " measured.")
    boolean approximate;

    @Option(names = "--json", description = "Print a JSON document instead of text.")
    boolean json;

    @Mixin Verbosity verbosity;

    /** How the probes were made, for the report. */
    private String probeDescription;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (HfCheckpoint src = open(source);
                HfCheckpoint dst = open(result)) {
            Claim claim = approximate ? Claim.approximate() : Claim.exact(tolerance);
            ModelInput probes = probes(src.arch(), dst.arch());
            Verification v;
            try (TransformerModel a = TransformerModel.of(src.arch(), src.tensors());
                    TransformerModel b = TransformerModel.of(dst.arch(), dst.tensors())) {
                v = Verifier.verify(a, b, probes, claim);
            }
            if (json) {
                out.println(JSON.writeValueAsString(report(v, src.arch(), dst.arch())));
            } else {
                printText(v, src.arch(), dst.arch(), out);
            }
            out.flush();
            return v.passed() ? PASSED : FAILED;
        } catch (IllegalArgumentException | IOException e) {
            err.println("graft verify: " + oneLine(e));
            if (verbosity.verbose) {
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                err.print(trace);
            }
            err.flush();
            return BAD_INPUT;
        }
    }

    private static HfCheckpoint open(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString());
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(
                    dir + " is not a directory; expected a checkpoint directory with config.json");
        }
        return HfCheckpoint.open(dir).requireComplete();
    }

    private ModelInput probes(ArchSpec a, ArchSpec b) throws IOException {
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException(
                    "--tol is " + tolerance + "; expected a finite number ≥ 0");
        }
        if (tokenFile != null) {
            ModelInput in = ModelInput.of(readTokenFile(tokenFile));
            probeDescription = "token file " + tokenFile;
            return in;
        }
        if (sequences <= 0) {
            throw new IllegalArgumentException(
                    "--sequences is " + sequences + "; expected a positive integer");
        }
        int positions = Math.min(positions(a), positions(b));
        int n = tokens == null ? Math.min(DEFAULT_TOKENS, positions) : tokens;
        if (n <= 0) {
            throw new IllegalArgumentException(
                    "--tokens is " + n + "; expected a positive integer");
        }
        if (n > positions) {
            throw new IllegalArgumentException(
                    "--tokens is "
                            + n
                            + "; expected at most "
                            + positions
                            + ", the learned positions of the smaller model");
        }
        probeDescription = "seeded random (seed " + seed + ")";
        return Probes.random(seed, sequences, n, Math.min(a.vocabSize(), b.vocabSize()));
    }

    private static int positions(ArchSpec a) {
        return a.family().isLlamaLike() ? Integer.MAX_VALUE : a.maxPositions();
    }

    static int[][] readTokenFile(Path file) throws IOException {
        return Calibration.readTokenIds(file, "; expected integers", true).toArray(new int[0][]);
    }

    private ObjectNode report(Verification v, ArchSpec a, ArchSpec b) {
        ObjectNode o = JSON.createObjectNode();
        o.put("source", source.toString());
        o.put("result", result.toString());
        o.put("source_family", a.family().modelType());
        o.put("result_family", b.family().modelType());
        o.put("probes", probeDescription);
        dev.graft.schema.Verification avro = Verifications.toAvro(v);
        o.put("method", avro.getMethod());
        o.put("probe_sequences", avro.getProbeSequences());
        o.put("probe_tokens", avro.getProbeTokens());
        o.put("compute_dtype", avro.getComputeDtype());
        number(o, "max_abs_delta", v.maxAbsDelta());
        number(o, "mean_abs_delta", v.meanAbsDelta());
        number(o, "logit_scale", v.logitScale());
        number(o, "relative_delta", v.relativeDelta());
        if (v.tolerance() == null) {
            o.putNull("tolerance");
        } else {
            o.put("tolerance", v.tolerance());
        }
        o.put("lossless", v.lossless());
        o.put("passed", v.passed());
        o.put("notes", v.notes());
        return o;
    }

    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    private void printText(Verification v, ArchSpec a, ArchSpec b, PrintWriter out) {
        out.printf("source:    %s (%s)%n", source, describe(a));
        out.printf("result:    %s (%s)%n", result, describe(b));
        out.printf(
                "probes:    %d × %d tokens, %s%n",
                v.probeSequences(), v.probeTokens(), probeDescription);
        if (v.method() == Verification.Method.NONE) {
            out.printf("compared:  nothing: %s%n", v.notes());
            out.println("verdict:   NOT VERIFIED");
            return;
        }
        out.printf(
                "compared:  %s%s%n",
                v.method() == Verification.Method.LOGITS ? "logits" : "final hidden states",
                v.method() == Verification.Method.LOGITS
                        ? ""
                        : " ("
                                + v.notes()
                                        .replaceFirst("^compared final hidden states: ", "")
                                        .replaceFirst(";.*$", "")
                                + ")");
        out.printf(Locale.ROOT, "max |Δ|:   %.6g%n", v.maxAbsDelta());
        out.printf(Locale.ROOT, "mean |Δ|:  %.6g%n", v.meanAbsDelta());
        out.printf(Locale.ROOT, "scale:     %.6g (max |source output|)%n", v.logitScale());
        if (v.lossless()) {
            out.printf(
                    Locale.ROOT,
                    "relative:  %.3g (tolerance %.3g)%n",
                    v.relativeDelta(),
                    v.tolerance());
            out.println("verdict:   " + (v.passed() ? "PASS" : "FAIL"));
        } else {
            out.printf(Locale.ROOT, "relative:  %.3g%n", v.relativeDelta());
            out.println("verdict:   approximate: measured, no pass/fail threshold");
        }
    }

    private static String describe(ArchSpec a) {
        return String.format(
                Locale.ROOT,
                "%s, hidden %d, layers %d, heads %d, vocab %d",
                a.family().modelType(),
                a.hiddenSize(),
                a.numLayers(),
                a.numHeads(),
                a.vocabSize());
    }

    private static String oneLine(Throwable e) {
        String message;
        if (e instanceof NoSuchFileException) {
            message = e.getMessage() + ": no such file or directory";
        } else {
            message = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        return message.replaceAll("\\s*\\R\\s*", " ");
    }
}
