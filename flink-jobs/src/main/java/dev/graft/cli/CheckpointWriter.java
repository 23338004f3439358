package dev.graft.cli;

import dev.graft.connectors.LocalFiles;
import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.connectors.hf.Verifications;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.connectors.store.GraftVersion;
import dev.graft.connectors.store.Manifest;
import dev.graft.connectors.transform.CheckpointGrowth;
import dev.graft.growth.ops.GrowthExecution;
import dev.graft.growth.ops.GrowthPlan;
import dev.graft.growth.verify.Verification;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The command line's side of writing a transformed checkpoint directory, for {@code graft grow} and
 * {@code graft shrink}: the model itself is written by {@link CheckpointGrowth#writeModel} (the
 * same path the TransformJob uses); this adds the destination checks, the progress bar and {@code
 * graft.json} (operator, options, schedule, verification, sha256 of every file).
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
     * Writes the model and its manifest; on failure deletes the destination and rethrows.
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
            long start = System.nanoTime();
            Progress bar = new Progress(err);
            String optimizerNote =
                    CheckpointGrowth.writeModel(plan, src, config, source, dst, shardBytes, bar);
            bar.done();
            Map<String, String> options = new TreeMap<>(extraOptions);
            options.put("optimizer_state_result", optimizerNote);
            writeManifest(plan, options, null);
            return new Result(
                    plan.mappings().size(),
                    plan.targetBytes(),
                    (System.nanoTime() - start) / 1e9,
                    optimizerNote);
        } catch (Exception e) {
            LocalFiles.deleteTree(dst);
            throw e;
        }
    }

    /**
     * Writes {@code graft.json} for what is in the destination: the plan's options and schedule,
     * {@code extraOptions}, the verification when there was one, and every file's sha256.
     */
    void writeManifest(GrowthPlan plan, Map<String, String> extraOptions, Verification verification)
            throws IOException {
        Map<String, String> options = new TreeMap<>(plan.manifestOptions());
        options.put("source", src.toAbsolutePath().toString());
        options.putAll(extraOptions);
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
                        verification == null ? null : Verifications.toAvro(verification),
                        plan.target() == null ? null : ArchSpecs.toAvro(plan.target()),
                        CheckpointStore.describeLocal(dst),
                        System.currentTimeMillis(),
                        GraftVersion.get());
        Files.write(dst.resolve(Manifest.FILE_NAME), manifest.toJsonBytes());
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
