package dev.graft.cli;

import dev.graft.connectors.LocalFiles;
import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.connectors.safetensors.ShardedSafetensorsWriter;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.LayoutVariant;
import dev.graft.growth.arch.Norm;
import dev.graft.growth.arch.NormPlacement;
import dev.graft.growth.arch.TensorLayout;
import dev.graft.growth.ops.GrowthExecution;
import dev.graft.growth.ops.GrowthOperator;
import dev.graft.growth.ops.GrowthOptions;
import dev.graft.growth.ops.GrowthPlan;
import dev.graft.growth.ops.GrowthPlanner;
import dev.graft.growth.ops.GrowthTarget;
import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.TensorInfo;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code graft bench grow}: grows a GPT-2-shaped F32 checkpoint 2× in width with hyperclone and
 * lemon, and copies the grown bytes plainly in the same run, so the rates compare. Run with {@code
 * -Xmx512m} to check the heap bound.
 */
@Command(
        name = "grow",
        mixinStandardHelpOptions = true,
        description = {
            "Growth throughput (hyperclone and lemon, 2× width) beside a plain copy of the output.",
            "Run with -Xmx512m to check the heap bound."
        })
final class BenchGrow implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--hidden", defaultValue = "768", description = "Source n_embd.")
    int hidden;

    @Option(names = "--layers", defaultValue = "16", description = "Source n_layer.")
    int layers;

    @Option(names = "--heads", defaultValue = "12", description = "Source n_head.")
    int heads;

    @Option(names = "--vocab", defaultValue = "16384", description = "Vocabulary size.")
    int vocab;

    @Option(names = "--factor", defaultValue = "2", description = "Width factor.")
    int factor;

    @Option(names = "--repeat", defaultValue = "2", description = "Runs; the best is reported.")
    int repeat;

    @Option(names = "--dir", description = "Working directory (default: temporary, deleted).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        BenchCommand.watchHeap();
        PrintWriter out = spec.commandLine().getOut();
        BenchCommand.inWorkDir(dir, "graft-bench-grow", work -> run(work, out));
        return 0;
    }

    private void run(Path work, PrintWriter out) throws IOException {
        ArchSpec arch = gpt2(vocab, hidden, layers, heads);
        Path source = writeSource(work.resolve("source"), arch);
        long sourceBytes = size(source);
        out.printf(
                "bench grow: gpt2 n_embd=%d n_layer=%d vocab=%d, F32 source %,d bytes; ×%d width,"
                        + " best of %d%n",
                hidden, layers, vocab, sourceBytes, factor, repeat);
        for (GrowthOperator op : List.of(GrowthOperator.HYPERCLONE, GrowthOperator.LEMON)) {
            Path target = work.resolve(op.cliName());
            long[] bytes = new long[1];
            double grow =
                    best(
                            () -> {
                                LocalFiles.deleteTree(target);
                                Files.createDirectories(target);
                                try (SafetensorsSource in = SafetensorsCheckpoint.open(source)) {
                                    GrowthPlan plan =
                                            GrowthPlanner.plan(
                                                    op,
                                                    arch,
                                                    in.tensors(),
                                                    GrowthTarget.unchanged(),
                                                    factor,
                                                    GrowthOptions.defaults());
                                    bytes[0] = plan.targetBytes();
                                    try (ShardedSafetensorsWriter w =
                                            SafetensorsCheckpoint.create(
                                                    target,
                                                    plan.targetTensors(),
                                                    Map.of(),
                                                    Long.MAX_VALUE)) {
                                        GrowthExecution.apply(
                                                plan, in, w, GrowthExecution.Progress.NONE);
                                    }
                                }
                            });
            Path copy = work.resolve("copy.bin");
            double plain = best(() -> copy(target, copy));
            Files.deleteIfExists(copy);
            long written = size(target);
            out.printf(
                    "  %-10s grow %,d → %,d bytes: %6.2f s %8.1f MB/s | plain copy of the output:"
                            + " %6.2f s %8.1f MB/s | %.2f× copy rate%n",
                    op.cliName(),
                    sourceBytes,
                    written,
                    grow,
                    written / 1e6 / grow,
                    plain,
                    written / 1e6 / plain,
                    plain / grow);
            LocalFiles.deleteTree(target);
        }
        out.printf(
                "  heap: peak %.0f MB used of %.0f MB max%n",
                BenchCommand.peakHeapBytes() / 1e6, Runtime.getRuntime().maxMemory() / 1e6);
        out.flush();
    }

    /** A GPT-2 architecture in F32, tied head, pre-LN, as the benchmarks generate it. */
    static ArchSpec gpt2(int vocab, int hidden, int layers, int heads) {
        return new ArchSpec(
                Family.GPT2,
                vocab,
                hidden,
                layers,
                heads,
                heads,
                hidden / heads,
                4 * hidden,
                1024,
                Norm.LAYERNORM,
                1e-5,
                NormPlacement.PRE,
                "gelu_new",
                true,
                0,
                null,
                DType.F32,
                Map.of());
    }

    /**
     * Writes a checkpoint of {@code arch}'s tensors (seeded uniform values in ±0.1) and its {@code
     * config.json} into {@code dir}.
     */
    static Path writeSource(Path dir, ArchSpec arch) throws IOException {
        Path source = Files.createDirectories(dir);
        List<TensorInfo> tensors = new ArrayList<>();
        for (var e : TensorLayout.expected(arch, LayoutVariant.hubDefault(arch.family()))) {
            if (e.isRequired()) {
                tensors.add(new TensorInfo(e.name(), DType.F32, e.shape()));
            }
        }
        SplittableRandom random = new SplittableRandom(1);
        try (ShardedSafetensorsWriter w =
                SafetensorsCheckpoint.create(source, tensors, Map.of(), Long.MAX_VALUE)) {
            for (TensorInfo t : tensors) {
                float[] v = new float[(int) t.elementCount()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (random.nextDouble() - 0.5) * 0.2f;
                }
                w.writeFloats(t.name(), v);
            }
        }
        HfConfig.write(
                source.resolve(HfConfig.FILE_NAME),
                arch,
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode());
        return source;
    }

    interface Step {
        void run() throws IOException;
    }

    private double best(Step step) throws IOException {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < Math.max(1, repeat); i++) {
            long start = System.nanoTime();
            step.run();
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        return best;
    }

    private static void copy(Path dir, Path target) throws IOException {
        try (Stream<Path> files = Files.list(dir);
                FileChannel out =
                        FileChannel.open(
                                target,
                                StandardOpenOption.CREATE,
                                StandardOpenOption.TRUNCATE_EXISTING,
                                StandardOpenOption.WRITE)) {
            for (Path f : files.sorted().toList()) {
                try (FileChannel in = FileChannel.open(f, StandardOpenOption.READ)) {
                    long size = in.size();
                    long done = 0;
                    while (done < size) {
                        done += in.transferTo(done, size - done, out);
                    }
                }
            }
        }
    }

    static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long n = 0;
            for (Path f : files.toList()) {
                n += Files.size(f);
            }
            return n;
        }
    }
}
