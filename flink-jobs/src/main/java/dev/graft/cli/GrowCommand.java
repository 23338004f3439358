package dev.graft.cli;

import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.ops.GrowthOperator;
import dev.graft.growth.ops.GrowthOptions;
import dev.graft.growth.ops.GrowthPlan;
import dev.graft.growth.ops.GrowthPlanException;
import dev.graft.growth.ops.GrowthPlanner;
import dev.graft.growth.ops.GrowthTarget;
import dev.graft.growth.ops.Unsharing;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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
        GrowthTarget target = GrowthTarget.parse(to);
        Path configFile = src.resolve(HfConfig.FILE_NAME);
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException(
                    src + " has no config.json; expected a Hugging Face checkpoint directory");
        }
        ObjectNode config = HfConfig.readTree(configFile);
        try (SafetensorsSource source = SafetensorsCheckpoint.open(src)) {
            GrowthPlan plan = plan(operator, config, source, target, options);
            if (dryRun) {
                out.print(plan.describe());
                out.flush();
                return 0;
            }
            CheckpointWriter writer =
                    new CheckpointWriter(src, dst, runId, generation, shardMb * 1_000_000L);
            writer.prepareDestination();
            Map<String, String> extra = new TreeMap<>();
            extra.put("target", to == null ? "" : to);
            extra.put("factor", Integer.toString(factor));
            CheckpointWriter.Result r =
                    writer.write(
                            plan,
                            config,
                            source,
                            extra,
                            quiet ? null : spec.commandLine().getErr());
            out.printf(
                    Locale.ROOT,
                    "grew %s → %s with %s (%s): %,d tensors, %,d bytes in %.1f s (%.0f MB/s);"
                            + " optimizer state %s%n",
                    src,
                    dst,
                    plan.operator().cliName(),
                    plan.exactness().describe(),
                    r.tensors(),
                    r.bytes(),
                    r.seconds(),
                    r.megabytesPerSecond(),
                    r.optimizerNote());
            out.flush();
        }
        return 0;
    }

    private GrowthPlan plan(
            GrowthOperator operator,
            ObjectNode config,
            SafetensorsSource source,
            GrowthTarget target,
            GrowthOptions options)
            throws IOException {
        boolean albert = "albert".equals(config.path("model_type").asText());
        if (operator == GrowthOperator.UNSHARE && albert) {
            return Unsharing.planAlbert(
                    config.path("num_hidden_layers").asInt(12),
                    config.path("num_hidden_groups").asInt(1),
                    source.tensors(),
                    options);
        }
        if (albert) {
            throw new GrowthPlanException(
                    "albert is read only to unshare; run --op unshare first, then grow the"
                            + " result");
        }
        ArchSpec arch = HfConfig.fromJson(config, src.resolve(HfConfig.FILE_NAME).toString());
        if (operator == GrowthOperator.UNSHARE) {
            List<List<Integer>> groups = new ArrayList<>();
            JsonNode marker = config.get(Unsharing.SHARED_LAYERS_KEY);
            if (marker != null && marker.isArray()) {
                for (JsonNode g : marker) {
                    List<Integer> group = new ArrayList<>();
                    g.forEach(l -> group.add(l.asInt()));
                    groups.add(group);
                }
            }
            return Unsharing.plan(arch, source.tensors(), groups, options);
        }
        return GrowthPlanner.plan(operator, arch, source.tensors(), target, factor, options);
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
