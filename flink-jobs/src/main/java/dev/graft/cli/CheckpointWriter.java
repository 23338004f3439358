package dev.graft.cli;

import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.connectors.safetensors.ShardedSafetensorsWriter;
import dev.graft.connectors.store.GraftVersion;
import dev.graft.connectors.store.Manifest;
import dev.graft.growth.ops.GrowthExecution;
import dev.graft.growth.ops.GrowthOptions;
import dev.graft.growth.ops.GrowthPlan;
import dev.graft.growth.ops.OptimizerState;
import dev.graft.growth.ops.TensorMapping;
import dev.graft.schema.FileEntry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Writes the checkpoint a {@link GrowthPlan} describes — the one write path of {@code graft grow}
 * and {@code graft shrink}: safetensors shards, {@code config.json} (the target architecture over
 * the source's other fields), the optimizer state as the plan's options say, and {@code graft.json}
 * (operator, options, schedule, exactness, the caller's extra options, sha256 of every file).
 *
 * <pre>{@code
 * CheckpointWriter.Result r = new CheckpointWriter(src, dst, "local", 1, 5_000_000_000L)
 *         .write(plan, config, source, Map.of("target", "hidden=384"), progressOrNull);
 * }</pre>
 */
final class CheckpointWriter {

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What was written. */
    record Result(int tensors, long bytes, double seconds, String optimizerNote) {
        double megabytesPerSecond() {
            return bytes / 1e6 / Math.max(seconds, 1e-9);
        }
    }

    private final Path src;
    private final Path dst;
    private final String runId;
    private final int generation;
    private final long shardBytes;

    CheckpointWriter(Path src, Path dst, String runId, int generation, long shardBytes) {
        this.src = src;
        this.dst = dst;
        this.runId = runId;
        this.generation = generation;
        this.shardBytes = shardBytes;
    }

    /** Refuses a destination that exists and is not empty, then creates it. */
    void prepareDestination() throws IOException {
        if (Files.exists(dst)) {
            try (Stream<Path> s = Files.list(dst)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException(
                            dst + " exists and is not empty; give a new directory");
                }
            }
        }
        Files.createDirectories(dst);
    }

    /**
     * Writes everything; on failure deletes the destination and rethrows.
     *
     * @param extraOptions added to the manifest's operator options (source path, target, …)
     * @param err where the progress bar goes; null for none
     */
    Result write(
            GrowthPlan plan,
            ObjectNode config,
            SafetensorsSource source,
            Map<String, String> extraOptions,
            PrintWriter err)
            throws Exception {
        try {
            return writeAll(plan, config, source, extraOptions, err);
        } catch (Exception e) {
            deleteTree(dst);
            throw e;
        }
    }

    /** Adds {@code options} to the manifest already written in the destination. */
    void addToManifest(Map<String, String> options) throws IOException {
        Path file = dst.resolve(Manifest.FILE_NAME);
        ObjectNode m = (ObjectNode) JSON.readTree(file.toFile());
        ObjectNode ops = (ObjectNode) m.get("operator_options");
        if (ops == null) {
            throw new IllegalStateException(file + " has no operator_options");
        }
        new TreeMap<>(options).forEach(ops::put);
        Files.write(file, JSON.writeValueAsBytes(m));
    }

    private Result writeAll(
            GrowthPlan plan,
            ObjectNode config,
            SafetensorsSource source,
            Map<String, String> extraOptions,
            PrintWriter err)
            throws Exception {
        long start = System.nanoTime();
        Progress bar = new Progress(err);
        try (ShardedSafetensorsWriter sink =
                SafetensorsCheckpoint.create(
                        dst, plan.targetTensors(), source.metadata(), shardBytes)) {
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
        options.putAll(extraOptions);
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
        return new Result(
                plan.mappings().size(),
                plan.targetBytes(),
                (System.nanoTime() - start) / 1e9,
                optimizerNote);
    }

    static List<FileEntry> files(Path dir) throws IOException, NoSuchAlgorithmException {
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
