package dev.graft.cli;

import dev.graft.connectors.LocalFiles;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.connectors.safetensors.ShardedSafetensorsWriter;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.model.TransformerModel;
import dev.graft.growth.ops.ActivationImportance;
import dev.graft.growth.ops.GrowthExecution;
import dev.graft.growth.ops.GrowthOperator;
import dev.graft.growth.ops.GrowthOptions;
import dev.graft.growth.ops.GrowthPlan;
import dev.graft.growth.ops.GrowthTarget;
import dev.graft.growth.ops.Importance;
import dev.graft.growth.ops.Shrinking;
import dev.graft.growth.ops.WeightMagnitude;
import dev.graft.growth.verify.Probes;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code graft bench shrink}: importance + shrink of a GPT-2-shaped F32 checkpoint (≥ 500 MB by
 * default) with subclone, magnitude and select, timing apart the calibration forward passes
 * (subclone), the weight-norm pass (magnitude), the planning and the writing.
 */
@Command(
        name = "shrink",
        mixinStandardHelpOptions = true,
        description = {
            "Shrink throughput: importance (calibration forward passes for subclone, weight norms"
                    + " for magnitude), planning and writing, per operator.",
            "Run with -Xmx2g: the calibration forward pass holds the model's activations."
        })
final class BenchShrink implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--hidden", defaultValue = "1024", description = "Source n_embd.")
    int hidden;

    @Option(names = "--layers", defaultValue = "12", description = "Source n_layer.")
    int layers;

    @Option(names = "--heads", defaultValue = "16", description = "Source n_head.")
    int heads;

    @Option(names = "--vocab", defaultValue = "16384", description = "Vocabulary size.")
    int vocab;

    @Option(
            names = "--to",
            defaultValue = "hidden=768,heads=12,ffn=3072,layers=8",
            description = "Target sizes, as graft shrink --to.")
    String to;

    @Option(
            names = "--calibration-sequences",
            defaultValue = "8",
            description = "Seeded random calibration sequences for subclone.")
    int sequences;

    @Option(
            names = "--calibration-tokens",
            defaultValue = "128",
            description = "Tokens per calibration sequence.")
    int tokens;

    @Option(names = "--dir", description = "Working directory (default: temporary, deleted).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        BenchCommand.watchHeap();
        PrintWriter out = spec.commandLine().getOut();
        BenchCommand.inWorkDir(dir, "graft-bench-shrink", work -> run(work, out));
        return 0;
    }

    private void run(Path work, PrintWriter out) throws IOException {
        ArchSpec arch = BenchGrow.gpt2(vocab, hidden, layers, heads);
        Path source = BenchGrow.writeSource(work.resolve("source"), arch);
        long sourceBytes = BenchGrow.size(source);
        List<int[]> calibration =
                Arrays.asList(Probes.random(7, sequences, tokens, vocab).tokenIds());
        GrowthTarget target = GrowthTarget.parse(to);
        out.printf(
                "bench shrink: gpt2 n_embd=%d n_layer=%d vocab=%d, F32 source %,d bytes → %s;"
                        + " subclone calibrated on %d × %d seeded random tokens%n",
                hidden, layers, vocab, sourceBytes, to, sequences, tokens);
        for (GrowthOperator op :
                List.of(GrowthOperator.SUBCLONE, GrowthOperator.MAGNITUDE, GrowthOperator.SELECT)) {
            Path result = work.resolve(op.cliName());
            try (SafetensorsSource in = SafetensorsCheckpoint.open(source)) {
                long t0 = System.nanoTime();
                Importance importance;
                switch (op) {
                    case SUBCLONE -> {
                        try (TransformerModel model = TransformerModel.of(arch, in)) {
                            importance = ActivationImportance.measure(model, calibration);
                        }
                    }
                    case MAGNITUDE -> importance = WeightMagnitude.of(arch, in);
                    default -> importance = null;
                }
                long t1 = System.nanoTime();
                GrowthPlan plan =
                        Shrinking.plan(
                                op,
                                arch,
                                in.tensors(),
                                target,
                                importance,
                                Shrinking.Settings.defaults(),
                                GrowthOptions.defaults());
                long t2 = System.nanoTime();
                Files.createDirectories(result);
                try (ShardedSafetensorsWriter w =
                        SafetensorsCheckpoint.create(
                                result, plan.targetTensors(), Map.of(), Long.MAX_VALUE)) {
                    GrowthExecution.apply(plan, in, w, GrowthExecution.Progress.NONE);
                }
                long t3 = System.nanoTime();
                long written = BenchGrow.size(result);
                double total = (t3 - t0) / 1e9;
                out.printf(
                        "  %-9s %6.2f s total: importance %6.2f s (%s), plan %5.2f s, write %,d"
                                + " bytes %6.2f s (%.1f MB/s)%n",
                        op.cliName(),
                        total,
                        (t1 - t0) / 1e9,
                        switch (op) {
                            case SUBCLONE -> "calibration forward passes";
                            case MAGNITUDE -> "weight norms";
                            default -> "none: evenly spaced";
                        },
                        (t2 - t1) / 1e9,
                        written,
                        (t3 - t2) / 1e9,
                        written / 1e6 / ((t3 - t2) / 1e9));
            }
            LocalFiles.deleteTree(result);
        }
        out.printf(
                "  heap: peak %.0f MB used of %.0f MB max%n",
                BenchCommand.peakHeapBytes() / 1e6, Runtime.getRuntime().maxMemory() / 1e6);
        out.flush();
    }
}
