package dev.graft.cli;

import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.connectors.safetensors.ShardedSafetensorsWriter;
import dev.graft.connectors.store.GraftVersion;
import dev.graft.connectors.store.Manifest;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.ops.GrowthExecution;
import dev.graft.growth.ops.GrowthOperator;
import dev.graft.growth.ops.GrowthOptions;
import dev.graft.growth.ops.GrowthPlan;
import dev.graft.growth.ops.GrowthPlanException;
import dev.graft.growth.ops.GrowthPlanner;
import dev.graft.growth.ops.GrowthTarget;
import dev.graft.growth.ops.OptimizerState;
import dev.graft.growth.ops.TensorMapping;
import dev.graft.growth.ops.Unsharing;
import dev.graft.schema.FileEntry;

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
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

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
            if (Files.exists(dst)) {
                try (Stream<Path> s = Files.list(dst)) {
                    if (s.findAny().isPresent()) {
                        throw new IllegalArgumentException(
                                dst + " exists and is not empty; give a new directory");
                    }
                }
            }
            Files.createDirectories(dst);
            try {
                write(plan, config, source, out);
            } catch (Exception e) {
                deleteTree(dst);
                throw e;
            }
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

    private void write(
            GrowthPlan plan, ObjectNode config, SafetensorsSource source, PrintWriter out)
            throws Exception {
        long start = System.nanoTime();
        Progress bar = new Progress(quiet ? null : spec.commandLine().getErr());
        try (ShardedSafetensorsWriter sink =
                SafetensorsCheckpoint.create(
                        dst, plan.targetTensors(), source.metadata(), shardMb * 1_000_000L)) {
            GrowthExecution.apply(plan, source, sink, bar);
        }
        bar.done();
        ObjectNode grown =
                plan.target() != null ? HfConfig.toJson(plan.target(), config) : config.deepCopy();
        for (Map.Entry<String, String> e : plan.configChanges().entrySet()) {
            grown.set(e.getKey(), JSON.readTree(e.getValue()));
        }
        plan.configRemovals().forEach(grown::remove);
        Files.write(dst.resolve(HfConfig.FILE_NAME), JSON.writeValueAsBytes(grown));
        Path optimizerFile = src.resolve(OptimizerState.FILE_NAME);
        String optimizerNote = "none beside the source";
        if (Files.isRegularFile(optimizerFile)) {
            if (plan.options().optimizerState() == GrowthOptions.OptimizerStateMode.MAP) {
                try (SafetensorsSource moments = SafetensorsCheckpoint.open(optimizerFile)) {
                    List<TensorMapping> mappings = OptimizerState.mappings(plan, moments.tensors());
                    List<dev.graft.growth.tensor.TensorInfo> infos = new ArrayList<>();
                    mappings.forEach(m -> infos.add(m.target()));
                    try (dev.graft.connectors.safetensors.SafetensorsWriter w =
                            dev.graft.connectors.safetensors.SafetensorsWriter.create(
                                    dst.resolve(OptimizerState.FILE_NAME),
                                    infos,
                                    moments.metadata())) {
                        GrowthExecution.apply(
                                mappings,
                                plan.options().seed(),
                                true,
                                moments,
                                w,
                                GrowthExecution.Progress.NONE);
                    }
                }
                optimizerNote = "mapped (" + OptimizerState.FILE_NAME + ")";
            } else {
                optimizerNote = "reset: " + OptimizerState.FILE_NAME + " not carried";
            }
        }
        Map<String, String> options = new TreeMap<>(plan.manifestOptions());
        options.put("source", src.toAbsolutePath().toString());
        options.put("target", to == null ? "" : to);
        options.put("factor", Integer.toString(factor));
        options.put("optimizer_state_result", optimizerNote);
        Manifest manifest =
                new Manifest(
                        Manifest.FORMAT_VERSION,
                        runId,
                        generation,
                        0,
                        null,
                        null,
                        plan.operator().cliName(),
                        options,
                        null,
                        plan.target() == null ? null : ArchSpecs.toAvro(plan.target()),
                        files(dst),
                        System.currentTimeMillis(),
                        GraftVersion.get());
        Files.write(dst.resolve(Manifest.FILE_NAME), manifest.toJsonBytes());
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
                optimizerNote);
        out.flush();
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

    private static List<FileEntry> files(Path dir) throws IOException, NoSuchAlgorithmException {
        List<FileEntry> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.equals(Manifest.FILE_NAME) || !Files.isRegularFile(f)) {
                    continue;
                }
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[1 << 20];
                long n = 0;
                try (InputStream in = Files.newInputStream(f)) {
                    int r;
                    while ((r = in.read(buf)) > 0) {
                        digest.update(buf, 0, r);
                        n += r;
                    }
                }
                out.add(
                        FileEntry.newBuilder()
                                .setPath(name)
                                .setBytes(n)
                                .setSha256(HexFormat.of().formatHex(digest.digest()))
                                .build());
            }
        }
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A one-line progress bar on stderr, redrawn when the percentage changes. */
    static final class Progress implements GrowthExecution.Progress {
        private final PrintWriter err;
        private int last = -1;

        Progress(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void tensorWritten(
                int done, int total, long bytesDone, long bytesTotal, String name) {
            if (err == null) {
                return;
            }
            int pct = (int) (100 * bytesDone / Math.max(1, bytesTotal));
            if (pct == last) {
                return;
            }
            last = pct;
            int bars = pct / 4;
            err.printf(
                    Locale.ROOT,
                    "\r[%s%s] %3d%% %d/%d tensors %,d MB",
                    "#".repeat(bars),
                    " ".repeat(25 - bars),
                    pct,
                    done,
                    total,
                    bytesDone / 1_000_000);
            err.flush();
        }

        void done() {
            if (err != null && last >= 0) {
                err.println();
                err.flush();
            }
        }
    }
}
