package dev.graft.cli;

import dev.graft.connectors.LocalFiles;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.connectors.safetensors.ShardedSafetensorsWriter;
import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.FloatCodec;
import dev.graft.growth.tensor.TensorInfo;

import com.sun.management.GarbageCollectionNotificationInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/** {@code graft bench}: micro-benchmarks of Graft's moving parts. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks.",
        subcommands = {
            BenchCommand.Io.class,
            BenchGrow.class,
            BenchShrink.class,
            BenchTransform.class,
            TriggerBench.class
        })
public final class BenchCommand implements Callable<Integer> {

    /** What a benchmark does in its working directory. */
    interface InWorkDir {
        void run(Path work) throws Exception;
    }

    /**
     * Runs {@code body} in {@code dir} (created if absent, kept), or in a new temporary directory
     * named after {@code prefix} that is deleted afterwards when {@code dir} is null.
     */
    static void inWorkDir(Path dir, String prefix, InWorkDir body) throws Exception {
        boolean temporary = dir == null;
        Path work = temporary ? Files.createTempDirectory(prefix) : Files.createDirectories(dir);
        try {
            body.run(work);
        } finally {
            if (temporary) {
                LocalFiles.deleteTree(work);
            }
        }
    }

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

    /**
     * Peak heap used so far in this JVM: the most the heap held at one instant, which is just
     * before some garbage collection (heap use only grows between collections), or now. The sum of
     * each pool's own peak would overstate it, since the pools peak at different times.
     */
    static long peakHeapBytes() {
        return Math.max(HeapPeak.INSTANCE.beforeGcBytes.get(), heapUsed());
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Records the heap used before each collection, from the collectors' notifications. */
    private static final class HeapPeak implements NotificationListener {

        static final HeapPeak INSTANCE = new HeapPeak();

        final AtomicLong beforeGcBytes = new AtomicLong();
        private final Set<String> heapPools = new HashSet<>();

        private HeapPeak() {
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    heapPools.add(pool.getName());
                }
            }
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener(this, null, null);
                }
            }
        }

        @Override
        public void handleNotification(Notification notification, Object handback) {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                    notification.getType())) {
                return;
            }
            GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from(
                            (CompositeData) notification.getUserData());
            long used = 0;
            for (Map.Entry<String, MemoryUsage> pool :
                    info.getGcInfo().getMemoryUsageBeforeGc().entrySet()) {
                if (heapPools.contains(pool.getKey())) {
                    used += pool.getValue().getUsed();
                }
            }
            beforeGcBytes.accumulateAndGet(used, Math::max);
        }
    }

    /** Starts recording the heap's peak (call before the work measured): loading HeapPeak does. */
    static void watchHeap() {
        HeapPeak.INSTANCE.getClass();
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
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (!dtype.isComputable()) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--dtype must be F32, F16 or BF16");
            }
            BenchCommand.inWorkDir(dir, "graft-bench-io", work -> run(work, out));
            return 0;
        }

        private void run(Path work, PrintWriter out) throws IOException {
            watchHeap();
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

            // The write measurement makes the source, so it runs first, on its own.
            Measurement write =
                    measure(
                            () -> clear(sourceDir),
                            () -> {
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
            out.printf(
                    "  SIMD kernels: %s%n",
                    FloatCodec.vectorized()
                            ? "on (jdk.incubator.vector)"
                            : "off: run the JVM with --add-modules jdk.incubator.vector");
            out.flush();
            double[] checksum = new double[1];
            Step clearTarget = () -> clear(target);
            // Every measurement reads the same source files, already in the page cache, and writes
            // new files into an empty directory; deleting the last run's output is not timed. The
            // measurements take turns, round after round, so that whatever else the machine does
            // (other processes, the kernel writing dirty pages back) falls on all of them alike.
            Measurement[] m = new Measurement[6];
            Step[] steps = {
                () -> copyFiles(sourceDir, target, true),
                () -> copyFiles(sourceDir, target, false),
                () -> {
                    try (SafetensorsSource in = SafetensorsCheckpoint.open(sourceDir)) {
                        for (TensorInfo t : in.tensors()) {
                            checksum[0] += in.readFloats(t.name())[0];
                        }
                    }
                },
                () -> {
                    try (SafetensorsSource in = SafetensorsCheckpoint.open(sourceDir);
                            ShardedSafetensorsWriter w =
                                    SafetensorsCheckpoint.create(
                                            target, in.tensors(), in.metadata(), shardBytes)) {
                        for (TensorInfo t : in.tensors()) {
                            w.writeFloats(t.name(), in.readFloats(t.name()));
                        }
                    }
                },
                () -> {
                    try (SafetensorsSource in = SafetensorsCheckpoint.open(sourceDir);
                            ShardedSafetensorsWriter w =
                                    SafetensorsCheckpoint.create(
                                            target, in.tensors(), in.metadata(), shardBytes)) {
                        for (TensorInfo t : in.tensors()) {
                            w.copyRaw(t.name(), in, t.name());
                        }
                    }
                },
                () -> {
                    try (SafetensorsSource in = SafetensorsCheckpoint.open(sourceDir);
                            ShardedSafetensorsWriter w =
                                    SafetensorsCheckpoint.create(
                                            target, in.tensors(), in.metadata(), shardBytes)) {
                        for (TensorInfo t : in.tensors()) {
                            w.writeRaw(t.name(), in.readRaw(t.name()));
                        }
                    }
                },
            };
            for (int round = 0; round < Math.max(1, repeat); round++) {
                for (int i = 0; i < steps.length; i++) {
                    clearTarget.run();
                    Measurement once = timeOnce(steps[i]);
                    m[i] = m[i] == null ? once : m[i].best(once);
                }
            }
            clearTarget.run();
            // The conversions alone, in memory, on up to 32 MiB of stored bytes held in a direct
            // buffer: what the float passes spend beyond moving bytes (and the page faults of a
            // mapping), so the gap between them and a copy can be accounted for.
            int convertBytes;
            ByteBuffer stored;
            try (SafetensorsSource in = SafetensorsCheckpoint.open(sourceDir)) {
                ByteBuffer first = in.readRaw(tensors.get(0).name());
                convertBytes = Math.min(first.remaining(), 32 << 20);
                stored = ByteBuffer.allocateDirect(convertBytes).order(ByteOrder.LITTLE_ENDIAN);
                stored.put(first.limit(convertBytes)).flip();
            }
            float[] floats = new float[convertBytes / dtype.byteSize()];
            Measurement decode =
                    measure(
                            () -> {},
                            () -> {
                                for (int k = 0; k < 8; k++) {
                                    FloatCodec.decodeFinite(
                                            stored.duplicate(), dtype, floats, 0, floats.length);
                                }
                            });
            Measurement encode =
                    measure(
                            () -> {},
                            () -> {
                                for (int k = 0; k < 8; k++) {
                                    FloatCodec.encodeFinite(
                                            floats,
                                            0,
                                            floats.length,
                                            dtype,
                                            stored.duplicate().clear());
                                }
                            });
            checksum[0] += floats[0];
            Measurement channelCopy = m[0];
            Measurement bufferCopy = m[1];
            Measurement copy = channelCopy.best(bufferCopy);
            // "× copy" divides by the faster plain copy (the goal's measure), in wall-clock time
            // and in this thread's CPU time (user + kernel: transferTo's copy runs in the calling
            // thread too), which moves less when other processes share the cores.
            out.printf("  %-44s %9s %8s %9s %8s%n", "", "MB/s", "× copy", "MB/s CPU", "× copy");
            String[] labels = {
                "plain copy, FileChannel.transferTo",
                "plain copy, 1 MiB buffer read/write",
                "write: float[] → " + dtype,
                "read: " + dtype + " → float[]",
                "transform pass: readFloats → writeFloats",
                "copy pass: copyRaw (file to file)",
                "copy pass: readRaw → writeRaw"
            };
            Measurement[] results = {m[0], m[1], write, m[2], m[3], m[4], m[5]};
            out.printf(
                    "  %-44s %9.1f %8s %9.1f%n",
                    "in memory: " + dtype + " → float[], no I/O",
                    rate(8L * convertBytes, decode.wallSeconds()),
                    "",
                    rate(8L * convertBytes, decode.cpuSeconds()));
            out.printf(
                    "  %-44s %9.1f %8s %9.1f%n",
                    "in memory: float[] → " + dtype + ", no I/O",
                    rate(8L * convertBytes, encode.wallSeconds()),
                    "",
                    rate(8L * convertBytes, encode.cpuSeconds()));
            for (int i = 0; i < results.length; i++) {
                Measurement r = results[i];
                out.printf(
                        "  %-44s %9.1f %7.2f× %9.1f %7.2f×%n",
                        labels[i],
                        rate(bytes, r.wallSeconds()),
                        copy.wallSeconds() / r.wallSeconds(),
                        rate(bytes, r.cpuSeconds()),
                        copy.cpuSeconds() / r.cpuSeconds());
            }
            out.printf(
                    "  heap: peak %.0f MB used (before a collection) of %.0f MB max (checksum"
                            + " %.3f)%n",
                    peakHeapBytes() / 1e6, Runtime.getRuntime().maxMemory() / 1e6, checksum[0]);
            out.flush();
        }

        /** The best (least) wall-clock and thread CPU seconds of a measurement's runs. */
        record Measurement(double wallSeconds, double cpuSeconds) {
            Measurement best(Measurement other) {
                return new Measurement(
                        Math.min(wallSeconds, other.wallSeconds),
                        Math.min(cpuSeconds, other.cpuSeconds));
            }
        }

        private static Measurement timeOnce(Step step) throws IOException {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpu = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            step.run();
            return new Measurement(
                    (System.nanoTime() - start) / 1e9,
                    (threads.getCurrentThreadCpuTime() - cpu) / 1e9);
        }

        private Measurement measure(Step before, Step step) throws IOException {
            Measurement best = null;
            for (int i = 0; i < Math.max(1, repeat); i++) {
                before.run();
                Measurement once = timeOnce(step);
                best = best == null ? once : best.best(once);
            }
            return best;
        }

        interface Step {
            void run() throws IOException;
        }

        private static double rate(long bytes, double seconds) {
            return bytes / 1e6 / seconds;
        }

        /** Copies each file of {@code dir} to a new file of the same name in {@code target}. */
        private static void copyFiles(Path dir, Path target, boolean channelTransfer)
                throws IOException {
            ByteBuffer buf = channelTransfer ? null : ByteBuffer.allocateDirect(1 << 20);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.sorted().toList()) {
                    try (FileChannel in = FileChannel.open(f, StandardOpenOption.READ);
                            FileChannel out =
                                    FileChannel.open(
                                            target.resolve(f.getFileName()),
                                            StandardOpenOption.CREATE_NEW,
                                            StandardOpenOption.WRITE)) {
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
