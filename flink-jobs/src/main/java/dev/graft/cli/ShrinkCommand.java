package dev.graft.cli;

import dev.graft.connectors.hf.HfCheckpoint;
import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.hf.HfTokenizer;
import dev.graft.connectors.transform.Calibration;
import dev.graft.connectors.transform.CheckpointGrowth;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.model.TransformerModel;
import dev.graft.growth.ops.GrowthOperator;
import dev.graft.growth.ops.GrowthOptions;
import dev.graft.growth.ops.GrowthPlan;
import dev.graft.growth.ops.GrowthTarget;
import dev.graft.growth.ops.Shrinking;
import dev.graft.growth.verify.Probes;
import dev.graft.growth.verify.RandomInit;
import dev.graft.growth.verify.ShrinkQuality;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code graft shrink --op subclone|select|magnitude --to hidden=H,layers=L,heads=A,ffn=F
 * [--calibration IDS | --calibration-text TEXT] SRC DST}: a smaller checkpoint from a larger one
 * (docs/operators.md, "Shrinking"). Subclone's calibration is token ids ({@code --calibration}),
 * text through {@code SRC/tokenizer.json} ({@code --calibration-text}) or, given neither, Graft's
 * built-in English corpus through {@code SRC/tokenizer.json} ({@link Calibration}). After writing,
 * both models run on held-out probes and the closeness (embedding cosine, hidden-state error on the
 * kept channels, relative |Δlogit|) goes into {@code graft.json} as {@code verify.*} — reported,
 * not pass/fail.
 *
 * <p>{@code --compare} shrinks with all three operators into a temporary directory and prints the
 * table instead, with a random init of the same shape as the baseline (point it at any Hugging Face
 * checkpoint directory).
 */
@Command(
        name = "shrink",
        mixinStandardHelpOptions = true,
        description = {
            "Shrink a checkpoint: subclone (activation importance on calibration tokens),"
                    + " select (evenly spaced weights, first layers) or magnitude (weight norms).",
            "Example: graft shrink --op subclone --to hidden=384,layers=6 --calibration-text"
                    + " sentences.txt"
                    + " ckpt ckpt-small"
        })
public final class ShrinkCommand implements Callable<Integer> {

    static final int BAD_INPUT = 2;

    /** Hugging Face's {@code initializer_range} for BERT, GPT-2 and Llama. */
    static final double RANDOM_INIT_STD = 0.02;

    @Spec CommandSpec spec;

    @Option(
            names = "--op",
            defaultValue = "subclone",
            description = "subclone (default), select or magnitude.")
    String op;

    @Option(
            names = "--to",
            required = true,
            description = "Target sizes: hidden=H,layers=L,heads=A,kv_heads=G,ffn=F (any subset).")
    String to;

    @Option(
            names = "--calibration",
            paramLabel = "IDS",
            description =
                    "Token ids, one sequence per line (whitespace or commas; # starts a comment),"
                            + " for subclone's activation importance.")
    Path calibration;

    @Option(
            names = "--calibration-text",
            paramLabel = "TEXT",
            description =
                    "Plain text, one sequence per non-blank line, turned into token ids by"
                            + " SRC/tokenizer.json (Hugging Face tokenizers). Without this or"
                            + " --calibration, subclone uses Graft's built-in English corpus"
                            + " through SRC/tokenizer.json when there is one.")
    Path calibrationText;

    @Option(
            names = "--depth",
            description =
                    "Which blocks stay: FIRST, MIDDLE (remove from the middle) or IMPORTANCE"
                            + " (1 − cos(in, out) on the calibration); default FIRST for select,"
                            + " MIDDLE otherwise.")
    Shrinking.DepthRule depth;

    @Option(
            names = "--rescale",
            defaultValue = "FAN_IN",
            description =
                    "subclone/magnitude √(d/d′): FAN_IN (every weight whose input shrinks, the"
                            + " paper), RESIDUAL (only weights reading the residual stream) or"
                            + " NONE.")
    Shrinking.Rescale rescale;

    @Option(
            names = "--probe-file",
            description =
                    "Held-out token ids for the verification numbers, one sequence per line"
                            + " (any lengths; each runs alone); default: seeded random sequences.")
    Path probeFile;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (random probes).")
    long seed;

    @Option(
            names = "--compare",
            description = "Print subclone vs select vs magnitude vs random init; no DST.")
    boolean compare;

    @Option(names = "--dry-run", description = "Print the plan; write nothing.")
    boolean dryRun;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Option(names = "--run", defaultValue = "local", description = "Run id in graft.json.")
    String runId;

    @Option(names = "--generation", defaultValue = "1", description = "Generation in graft.json.")
    int generation;

    @Option(
            names = "--shard-mb",
            defaultValue = "5000",
            description = "Largest safetensors shard in MB (default ${DEFAULT-VALUE}).")
    long shardMb;

    @Parameters(index = "0", paramLabel = "SRC", description = "Source checkpoint directory.")
    Path src;

    @Parameters(
            index = "1",
            arity = "0..1",
            paramLabel = "DST",
            description = "New checkpoint directory (not with --compare).")
    Path dst;

    @Mixin Verbosity verbosity;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(out, err);
        } catch (IllegalArgumentException | IOException e) {
            if (verbosity.verbose) {
                e.printStackTrace(err);
            }
            err.println("graft shrink: " + String.valueOf(e.getMessage()).replace('\n', ' '));
            err.flush();
            return BAD_INPUT;
        }
    }

    private int run(PrintWriter out, PrintWriter err) throws Exception {
        GrowthOperator operator = GrowthOperator.fromName(op);
        if (!operator.isShrink()) {
            throw new IllegalArgumentException(
                    "--op " + op + " grows; graft shrink takes subclone, select or magnitude");
        }
        if (!compare && dst == null && !dryRun) {
            throw new IllegalArgumentException("give DST, the new checkpoint directory");
        }
        GrowthTarget target = GrowthTarget.parse(to);
        Shrinking.Settings settings =
                Shrinking.Settings.defaults().withDepth(depth).withRescale(rescale);
        if (calibration != null && calibrationText != null) {
            throw new IllegalArgumentException(
                    "give --calibration (token ids) or --calibration-text (text), not both");
        }
        if (!Files.isRegularFile(src.resolve(HfConfig.FILE_NAME))) {
            throw new IllegalArgumentException(
                    src + " has no config.json; expected a Hugging Face checkpoint directory");
        }
        Calibration cal = operator == GrowthOperator.SUBCLONE || compare ? calibration(err) : null;
        try (HfCheckpoint ckpt = HfCheckpoint.open(src).requireComplete()) {
            ArchSpec arch = ckpt.arch();
            if (compare) {
                compare(ckpt, arch, target, settings, cal, out);
                return 0;
            }
            GrowthPlan plan = plan(operator, ckpt, arch, target, settings, cal);
            if (dryRun) {
                out.print(plan.describe());
                out.flush();
                return 0;
            }
            Map<String, String> quality;
            try (TransformerModel source = TransformerModel.of(arch, ckpt.tensors())) {
                quality = write(plan, ckpt, dst, cal, quiet ? null : err, reference(arch, source));
            }
            out.printf(
                    Locale.ROOT,
                    "shrank %s → %s with %s: %s%n",
                    src,
                    dst,
                    operator.cliName(),
                    quality.get("verify.summary"));
            out.flush();
        }
        return 0;
    }

    /**
     * The calibration data: {@code --calibration}, {@code --calibration-text}, else the built-in
     * corpus when SRC has a tokenizer.json (said on {@code err}), else null.
     */
    private Calibration calibration(PrintWriter err) throws IOException {
        if (calibration != null) {
            return Calibration.tokenIds(calibration);
        }
        if (calibrationText != null) {
            if (!HfTokenizer.isPresent(src)) {
                throw new IllegalArgumentException(
                        "--calibration-text needs the checkpoint's tokenizer to turn text into"
                                + " token ids, and "
                                + src
                                + " has no "
                                + HfTokenizer.FILE_NAME
                                + "; copy the model's tokenizer.json there, or give token ids"
                                + " with --calibration FILE");
            }
            return Calibration.text(calibrationText, src);
        }
        if (!HfTokenizer.isPresent(src)) {
            return null;
        }
        Calibration builtIn = Calibration.builtIn(src);
        err.println(
                "graft shrink: no --calibration given; subclone measures activations on Graft's"
                        + " built-in English corpus ("
                        + builtIn.describe()
                        + " through "
                        + src.resolve(HfTokenizer.FILE_NAME)
                        + ")");
        err.flush();
        return builtIn;
    }

    private GrowthPlan plan(
            GrowthOperator operator,
            HfCheckpoint ckpt,
            ArchSpec arch,
            GrowthTarget target,
            Shrinking.Settings settings,
            Calibration cal)
            throws IOException {
        if (operator == GrowthOperator.SUBCLONE && cal == null) {
            throw new IllegalArgumentException(
                    "subclone ranks by activations on calibration tokens, and "
                            + src
                            + " has no tokenizer.json for Graft's built-in English corpus; give"
                            + " --calibration FILE (token ids, one sequence per line) or put the"
                            + " model's tokenizer.json in "
                            + src
                            + " (then --calibration-text FILE takes plain text), or use --op"
                            + " magnitude without data");
        }
        return CheckpointGrowth.planShrink(
                operator,
                arch,
                ckpt.tensors(),
                target,
                settings,
                cal == null ? null : cal.sequences(),
                GrowthOptions.defaults().withSeed(seed));
    }

    /** Writes the shrunk checkpoint, measures it against the source and records the numbers. */
    private Map<String, String> write(
            GrowthPlan plan,
            HfCheckpoint ckpt,
            Path dir,
            Calibration cal,
            PrintWriter progress,
            ShrinkQuality.Reference reference)
            throws Exception {
        CheckpointWriter writer =
                new CheckpointWriter(src, dir, runId, generation, shardMb * 1_000_000L);
        writer.prepareDestination();
        Map<String, String> extra = new TreeMap<>();
        extra.put("target", to);
        extra.put(
                "depth",
                String.valueOf(
                        plan.notes().stream()
                                .filter(n -> n.startsWith("layers ←"))
                                .findFirst()
                                .orElse("")));
        extra.put("rescale", plan.operator() == GrowthOperator.SELECT ? "NONE" : rescale.name());
        if (plan.operator() == GrowthOperator.SUBCLONE && cal != null) {
            extra.putAll(cal.manifestOptions());
        } else {
            extra.put("calibration", "none");
        }
        ObjectNode config = ckpt.config();
        writer.write(plan, config, ckpt.tensors(), extra, progress);
        Map<String, String> quality = new TreeMap<>();
        try (HfCheckpoint shrunk = HfCheckpoint.open(dir).requireComplete()) {
            ShrinkQuality q;
            try (TransformerModel b = TransformerModel.of(shrunk.arch(), shrunk.tensors())) {
                q = reference.compare(b, Shrinking.keptHidden(plan));
            }
            quality.put("verify.embedding_cosine", fmt(q.embeddingCosine()));
            quality.put("verify.hidden_relative_error", fmt(q.hiddenRelativeError()));
            quality.put("verify.relative_logit_delta", fmt(q.relativeLogitDelta()));
            quality.put("verify.probe_sequences", Integer.toString(q.logits().probeSequences()));
            quality.put("verify.probe_tokens", Integer.toString(q.logits().probeTokens()));
            quality.put(
                    "verify.probes",
                    probeFile != null
                            ? probeFile.toString()
                            : "seeded random (seed " + (seed + 1) + ")");
            quality.put("verify.claim", "approximate: reported, not pass/fail");
            quality.put("verify.summary", q.summary());
        }
        writer.addToManifest(quality);
        return quality;
    }

    private void compare(
            HfCheckpoint ckpt,
            ArchSpec arch,
            GrowthTarget target,
            Shrinking.Settings settings,
            Calibration cal,
            PrintWriter out)
            throws Exception {
        Path tmp = Files.createTempDirectory("graft-shrink-compare");
        GrowthPlan selectPlan = null;
        // the source runs on the probes once; every operator and the baseline compare with that
        try (TransformerModel source = TransformerModel.of(arch, ckpt.tensors())) {
            ShrinkQuality.Reference reference = reference(arch, source);
            out.println(
                    "| operator | target | embedding cosine | hidden rel. error | relative max |Δlogit| |");
            out.println("|---|---|---|---|---|");
            for (GrowthOperator o :
                    List.of(
                            GrowthOperator.SUBCLONE,
                            GrowthOperator.SELECT,
                            GrowthOperator.MAGNITUDE)) {
                if (o == GrowthOperator.SUBCLONE && cal == null) {
                    out.println(
                            "| subclone | "
                                    + to
                                    + " | (no --calibration, no tokenizer.json) | | |");
                    continue;
                }
                GrowthPlan plan = plan(o, ckpt, arch, target, settings, cal);
                Map<String, String> q =
                        write(plan, ckpt, tmp.resolve(o.cliName()), cal, null, reference);
                out.printf(
                        Locale.ROOT,
                        "| %s | %s | %s | %s | %s |%n",
                        o.cliName(),
                        to,
                        q.get("verify.embedding_cosine"),
                        q.get("verify.hidden_relative_error"),
                        q.get("verify.relative_logit_delta"));
                out.flush();
                if (o == GrowthOperator.SELECT) {
                    selectPlan = plan;
                }
            }
            // the baseline every shrink must beat: a fresh init of the same shape, compared on
            // select's channels (a random model has no channel correspondence; any choice is as
            // arbitrary)
            try (HfCheckpoint shape = HfCheckpoint.open(tmp.resolve("select")).requireComplete();
                    RandomInit random =
                            RandomInit.like(shape.tensors().tensors(), RANDOM_INIT_STD, seed);
                    TransformerModel b = TransformerModel.of(shape.arch(), random)) {
                ShrinkQuality q = reference.compare(b, Shrinking.keptHidden(selectPlan));
                out.printf(
                        Locale.ROOT,
                        "| random init (N(0, %s²)) | %s | %s | %s | %s |%n",
                        RANDOM_INIT_STD,
                        to,
                        fmt(q.embeddingCosine()),
                        fmt(q.hiddenRelativeError()),
                        fmt(q.relativeLogitDelta()));
                out.flush();
            }
        } finally {
            try (var walk = Files.walk(tmp)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The source's outputs on the probes ({@code --probe-file}, else seeded random ones). */
    private ShrinkQuality.Reference reference(ArchSpec arch, TransformerModel source)
            throws IOException {
        if (probeFile != null) {
            return ShrinkQuality.Reference.of(source, Calibration.readTokenIds(probeFile));
        }
        int tokens = Math.min(32, arch.family().isLlamaLike() ? 32 : arch.maxPositions());
        return ShrinkQuality.Reference.of(
                source, List.of(Probes.random(seed + 1, 4, tokens, arch.vocabSize()).tokenIds()));
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.6f", v);
    }
}
