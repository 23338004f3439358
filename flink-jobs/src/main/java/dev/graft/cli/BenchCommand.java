package dev.graft.cli;

import dev.graft.connectors.LocalFiles;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.connectors.safetensors.ShardedSafetensorsWriter;
import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.TensorInfo;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
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

/** {@code graft bench}: micro-benchmarks of Graft's moving parts. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks.",
        subcommands = {
            BenchCommand.Io.class,
            BenchGrow.class,
            BenchTransform.class,
            TriggerBench.class
        })
public final class BenchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** Runs {@code bench ...} on its own (until GraftCli registers it). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }

    /** Peak heap used so far in this JVM, summed over the heap memory pools. */
    static long peakHeapBytes() {
        long n = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                n += pool.getPeakUsage().getUsed();
            }
        }
        return n;
    }

    /**
     * {@code graft bench io}: writes, reads, and reads-then-writes a checkpoint of {@code
     * --size-mb} through Graft's safetensors reader and writer, and copies the same bytes plainly,
     * in the same run, so the rates compare.
     */
    @Command(
            name = "io",
            mixinStandardHelpOptions = true,
            description = {
                "Checkpoint I/O throughput beside a plain copy of the same bytes.",
                "Run with -Xmx256m to check the heap bound."
            })
    static final class Io implements Callable<Integer> {

        @Spec CommandSpec spec;

        @Option(
                names = "--size-mb",
                defaultValue = "1024",
                description = "Checkpoint size in MiB (default ${DEFAULT-VALUE}).")
        int sizeMiB;

        @Option(
                names = "--tensor-mb",
                defaultValue = "64",
                description = "Size of each tensor in MiB (default ${DEFAULT-VALUE}).")
        int tensorMiB;

        @Option(
                names = "--dtype",
                defaultValue = "F32",
                description = "Stored dtype: F32, F16 or BF16 (default ${DEFAULT-VALUE}).")
        DType dtype;

        @Option(
                names = "--shard-mb",
                defaultValue = "0",
                description = "Shard size in MiB; 0 for one file (default ${DEFAULT-VALUE}).")
        long shardMiB;

        @Option(
                names = "--repeat",
                defaultValue = "3",
                description =
                        "Runs of each measurement; the best is reported (default ${DEFAULT-VALUE}).")
        int repeat;

        @Option(
                names = "--dir",
                description =
                        "Working directory (default: a new temporary directory, deleted after).")
        Path dir;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (!dtype.isComputable()) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--dtype must be F32, F16 or BF16");
            }
            boolean temporary = dir == null;
            Path work =
                    temporary
                            ? Files.createTempDirectory("graft-bench-io")
                            : Files.createDirectories(dir);
            try {
                run(work, out);
            } finally {
                if (temporary) {
                    LocalFiles.deleteTree(work);
                }
            }
            return 0;
        }

        private void run(Path work, PrintWriter out) throws IOException {
            long tensorBytes = (long) tensorMiB << 20;
            int count = (int) Math.max(1, ((long) sizeMiB << 20) / tensorBytes);
            long columns = 1024;
            long rows = tensorBytes / dtype.byteSize() / columns;
            List<TensorInfo> tensors = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                tensors.add(
                        new TensorInfo(
                                "layers." + i + ".weight", dtype, new long[] {rows, columns}));
            }
            // Held only through the write measurement and dropped after it, so that the read and
            // transform measurements hold one float[] at a time, as a transform would: the heap
            // bound then shows the reader's and writer's needs, not the benchmark's.
            float[][] source = {new float[(int) (rows * columns)]};
            SplittableRandom random = new SplittableRandom(1);
            for (int i = 0; i < source[0].length; i++) {
                source[0][i] = (float) random.nextGaussian();
            }
            long shardBytes = shardMiB <= 0 ? Long.MAX_VALUE : shardMiB << 20;
            Path sourceDir = Files.createDirectories(work.resolve("source"));
            Path target = Files.createDirectories(work.resolve("target"));
            Path copyTarget = work.resolve("copy.bin");

            double write =
                    best(
                            () -> {
                                clear(sourceDir);
                                try (ShardedSafetensorsWriter w =
                                        SafetensorsCheckpoint.create(
                                                sourceDir, tensors, Map.of(), shardBytes)) {
                                    for (TensorInfo t : tensors) {
                                        w.writeFloats(t.name(), source[0]);
                                    }
                                }
                            });
            source[0] = null;
            long bytes = totalBytes(sourceDir);
            out.printf(
                    "bench io: %,d bytes (%d tensors of %d MiB, %s%s) in %s, best of %d%n",
                    bytes,
                    count,
                    tensorMiB,
                    dtype,
                    shardMiB > 0 ? ", shards of " + shardMiB + " MiB" : "",
                    work,
                    repeat);
            double copyChannel = best(() -> copyFiles(sourceDir, copyTarget, true));
            double copyBuffer = best(() -> copyFiles(sourceDir, copyTarget, false));
            Files.deleteIfExists(copyTarget);
            double copy = Math.min(copyChannel, copyBuffer);
            double[] checksum = new double[1];
            double read =
                    best(
                            () -> {
                                try (SafetensorsSource in = SafetensorsCheckpoint.open(sourceDir)) {
                                    for (TensorInfo t : in.tensors()) {
                                        checksum[0] += in.readFloats(t.name())[0];
                                    }
                                }
                            });
            double transform =
                    best(
                            () -> {
                                clear(target);
                                try (SafetensorsSource in = SafetensorsCheckpoint.open(sourceDir);
                                        ShardedSafetensorsWriter w =
                                                SafetensorsCheckpoint.create(
                                                        target,
                                                        in.tensors(),
                                                        in.metadata(),
                                                        shardBytes)) {
                                    for (TensorInfo t : in.tensors()) {
                                        w.writeFloats(t.name(), in.readFloats(t.name()));
                                    }
                                }
                            });
            double raw =
                    best(
                            () -> {
                                clear(target);
                                try (SafetensorsSource in = SafetensorsCheckpoint.open(sourceDir);
                                        ShardedSafetensorsWriter w =
                                                SafetensorsCheckpoint.create(
                                                        target,
                                                        in.tensors(),
                                                        in.metadata(),
                                                        shardBytes)) {
                                    for (TensorInfo t : in.tensors()) {
                                        w.writeRaw(t.name(), in.readRaw(t.name()));
                                    }
                                }
                            });
            // "× copy" divides by the faster plain copy (the headline figure). "× buffered" divides
            // by the 1 MiB read/write copy, which, like Graft, moves the bytes through user space:
            // transferTo copies inside the kernel, and how much faster that is varies run to run.
            String row = "  %-40s %9.1f MB/s  %5.2f× copy  %5.2f× buffered%n";
            out.printf(
                    "  %-40s %9.1f MB/s%n",
                    "plain copy, FileChannel.transferTo", rate(bytes, copyChannel));
            out.printf(
                    "  %-40s %9.1f MB/s%n",
                    "plain copy, 1 MiB buffer read/write", rate(bytes, copyBuffer));
            String[] labels = {
                "write: float[] → " + dtype,
                "read: " + dtype + " → float[] (finite check)",
                "read + write floats (a transform pass)",
                "read + write raw bytes"
            };
            double[] seconds = {write, read, transform, raw};
            for (int i = 0; i < labels.length; i++) {
                out.printf(
                        row,
                        labels[i],
                        rate(bytes, seconds[i]),
                        copy / seconds[i],
                        copyBuffer / seconds[i]);
            }
            out.printf(
                    "  heap: peak %.0f MB used of %.0f MB max (checksum %.3f)%n",
                    peakHeapBytes() / 1e6, Runtime.getRuntime().maxMemory() / 1e6, checksum[0]);
            out.flush();
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

        private static double rate(long bytes, double seconds) {
            return bytes / 1e6 / seconds;
        }

        private static void copyFiles(Path dir, Path target, boolean channelTransfer)
                throws IOException {
            try (Stream<Path> files = Files.list(dir);
                    FileChannel out =
                            FileChannel.open(
                                    target,
                                    StandardOpenOption.CREATE,
                                    StandardOpenOption.TRUNCATE_EXISTING,
                                    StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                for (Path f : files.sorted().toList()) {
                    try (FileChannel in = FileChannel.open(f, StandardOpenOption.READ)) {
                        if (channelTransfer) {
                            long size = in.size();
                            long done = 0;
                            while (done < size) {
                                done += in.transferTo(done, size - done, out);
                            }
                        } else {
                            while (in.read(buf) > 0) {
                                buf.flip();
                                while (buf.hasRemaining()) {
                                    out.write(buf);
                                }
                                buf.clear();
                            }
                        }
                    }
                }
            }
        }

        private static long totalBytes(Path dir) throws IOException {
            try (Stream<Path> files = Files.list(dir)) {
                long n = 0;
                for (Path f : files.toList()) {
                    n += Files.size(f);
                }
                return n;
            }
        }

        private static void clear(Path dir) throws IOException {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
        }
    }
}
