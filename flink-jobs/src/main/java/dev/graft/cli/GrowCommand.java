package dev.graft.cli;

import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.connectors.transform.CheckpointGrowth;
import dev.graft.growth.ops.GrowthOperator;
import dev.graft.growth.ops.GrowthOptions;
import dev.graft.growth.ops.GrowthPlan;
import dev.graft.growth.ops.GrowthTarget;
import dev.graft.growth.verify.Verification;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code graft grow --op OP [--to hidden=H,layers=L,…] [--factor N] SRC DST}: grows a Hugging Face
 * checkpoint directory with a growth operator and writes the grown checkpoint (safetensors, {@code
 * config.json}, {@code graft.json} with the options, seed and recommended schedule).
 *
 * <p>{@code --dry-run} prints the plan — one line per target tensor with its source and rule — and
 * writes nothing.
 */
@Command(
        name = "grow",
        mixinStandardHelpOptions = true,
        description = {
            "Grow a checkpoint: lemon, hyperclone, pad, identity-depth, stack or unshare.",
            "SRC is a Hugging Face checkpoint directory (config.json + safetensors); DST a new"
                    + " directory. Sizes not given in --to keep their value (or follow --factor).",
            "Example: graft grow --op hyperclone --factor 2 ckpt ckpt-2x"
        })
public final class GrowCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
            names = "--op",
            required = true,
            description = "Operator: lemon, hyperclone, pad, identity-depth, stack, unshare.")
    String op;

    @Option(
            names = "--to",
            description = "Target sizes: hidden=H,layers=L,heads=A,kv_heads=G,ffn=F (any subset).")
    String to;

    @Option(
            names = "--factor",
            defaultValue = "0",
            description =
                    "Multiplier for the sizes --to leaves open: width (lemon, hyperclone, pad) or"
                            + " layers (identity-depth, stack).")
    int factor;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of every random choice.")
    long seed;

    @Option(
            names = "--tied-head",
            defaultValue = "SCALE_FINAL_NORM",
            description =
                    "Tied embeddings under width growth: SCALE_FINAL_NORM (keep tied, final norm"
                            + " ÷copies) or UNTIE (write lm_head).")
    GrowthOptions.TiedHead tiedHead;

    @Option(
            names = "--split-spread",
            defaultValue = "0.5",
            description = "LEMON: unequal split spread, 0 ≤ s < 1 (default ${DEFAULT-VALUE}).")
    double splitSpread;

    @Option(
            names = "--clone-noise",
            defaultValue = "0",
            description =
                    "HyperCloning: paired ±noise std relative to each tensor's RMS (0 = none).")
    double cloneNoise;

    @Option(
            names = "--pad-init",
            defaultValue = "ZEROS",
            description = "pad: ZEROS or SMALL (normal values of std --pad-std).")
    GrowthOptions.PadInit padInit;

    @Option(names = "--pad-std", defaultValue = "0.02", description = "pad: std of SMALL values.")
    double padStd;

    @Option(
            names = "--optimizer",
            defaultValue = "RESET",
            description =
                    "optimizer.safetensors beside the model: RESET (not carried; default) or MAP"
                            + " (moments mapped with the weights).")
    GrowthOptions.OptimizerStateMode optimizer;

    @Option(
            names = "--schedule",
            description =
                    "Override the recommended schedule: max_lr_factor=1,decay_steps_factor=0.6,"
                            + "warmup_steps=N,min_lr_ratio=0.1,reset_optimizer=true")
    String schedule;

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

    @Option(
            names = "--probes",
            defaultValue = "4",
            description =
                    "Seeded random probe sequences run through source and result to verify"
                            + " (default ${DEFAULT-VALUE}); 0 skips verification.")
    int probes;

    @Option(
            names = "--probe-tokens",
            defaultValue = "32",
            description = "Tokens per probe sequence (default ${DEFAULT-VALUE}).")
    int probeTokens;

    @Parameters(index = "0", paramLabel = "SRC", description = "Source checkpoint directory.")
    Path src;

    @Parameters(index = "1", paramLabel = "DST", description = "New checkpoint directory.")
    Path dst;

    @Mixin Verbosity verbosity;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        GrowthOperator operator = GrowthOperator.fromName(op);
        GrowthOptions options =
                GrowthOptions.defaults()
                        .withSeed(seed)
                        .withTiedHead(tiedHead)
                        .withSplitSpread(splitSpread)
                        .withCloneNoise(cloneNoise)
                        .withPad(padInit, padStd)
                        .withOptimizerState(optimizer)
                        .withSchedule(parsePairs(schedule));
        CheckpointGrowth.Request request =
                new CheckpointGrowth.Request(
                        operator,
                        GrowthTarget.parse(to),
                        factor,
                        options,
                        shardMb * 1_000_000L,
                        probes,
                        probeTokens);
        if (dryRun) {
            try (SafetensorsSource source = SafetensorsCheckpoint.open(src)) {
                out.print(CheckpointGrowth.plan(src, source, request).describe());
            }
            out.flush();
            return 0;
        }
        long start = System.nanoTime();
        CheckpointWriter.Progress bar =
                new CheckpointWriter.Progress(quiet ? null : spec.commandLine().getErr());
        CheckpointGrowth.Result result = CheckpointGrowth.grow(src, dst, request, bar);
        bar.done();
        GrowthPlan plan = result.plan();
        Map<String, String> manifestOptions = new TreeMap<>();
        manifestOptions.put("target", to == null ? "" : to);
        manifestOptions.put("factor", Integer.toString(factor));
        manifestOptions.put("optimizer_state_result", result.optimizerState());
        new CheckpointWriter(src, dst, runId, generation, shardMb * 1_000_000L)
                .writeManifest(plan, manifestOptions, result.verification());
        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf(
                Locale.ROOT,
                "grew %s → %s with %s (%s): %,d tensors, %,d bytes in %.1f s (%.0f MB/s);"
                        + " optimizer state %s%n",
                src,
                dst,
                plan.operator().cliName(),
                plan.exactness().describe(),
                plan.mappings().size(),
                plan.targetBytes(),
                seconds,
                plan.targetBytes() / 1e6 / seconds,
                result.optimizerState());
        Verification verification = result.verification();
        if (verification == null) {
            out.println("verification: skipped (--probes 0)");
            out.flush();
            return 0;
        }
        out.println("verification: " + verification.summary());
        out.flush();
        if (verification.lossless() && !verification.passed()) {
            spec.commandLine()
                    .getErr()
                    .println(
                            "graft grow: "
                                    + plan.operator().cliName()
                                    + " claims exact function preservation but the grown model"
                                    + " differs beyond tolerance; the output in "
                                    + dst
                                    + " is kept for inspection. Please report this.");
            return 1;
        }
        return 0;
    }

    static Map<String, String> parsePairs(String spec) {
        Map<String, String> m = new LinkedHashMap<>();
        if (spec != null && !spec.isBlank()) {
            for (String part : spec.split(",")) {
                String[] kv = part.split("=", 2);
                if (kv.length != 2) {
                    throw new IllegalArgumentException(
                            "--schedule part '" + part + "' is not KEY=VALUE");
                }
                m.put(kv[0].trim(), kv[1].trim());
            }
        }
        return m;
    }
}
