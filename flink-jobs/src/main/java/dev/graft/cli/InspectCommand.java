package dev.graft.cli;

import dev.graft.connectors.hf.HfCheckpoint;
import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.safetensors.CheckpointFormatException;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.connectors.store.Manifest;
import dev.graft.connectors.store.PublishedCheckpoint;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.LayoutCheck;
import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.TensorInfo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.core.fs.FileSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code graft inspect PATH}: validates a checkpoint (a safetensors file, an index, or a checkpoint
 * directory with {@code config.json} and, when published by Graft, {@code graft.json}) and prints
 * family, architecture, parameter count, dtypes and a tensor table.
 *
 * <p>Exit 0 when valid; otherwise 1 with a one-line error on stderr (the stack trace only with
 * {@code --verbose}). Memory stays bounded on hostile files: headers are size-checked before they
 * are read and tensors are mapped one at a time.
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Validate a checkpoint and print its family, architecture, parameter count, dtypes and"
                    + " tensors.",
            "PATH is a .safetensors file, a model.safetensors.index.json, or a checkpoint"
                    + " directory (config.json + safetensors, and graft.json when Graft published"
                    + " it).",
            "Exit 0 when valid, 1 with a one-line error otherwise."
        })
public final class InspectCommand implements Callable<Integer> {

    /** Exit code of a valid checkpoint. */
    public static final int VALID = 0;

    /** Exit code of an invalid or unreadable one. */
    public static final int INVALID = 1;

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PATH", description = "Checkpoint file or directory.")
    Path path;

    @Option(names = "--json", description = "Print a JSON document instead of text.")
    boolean json;

    @Mixin Verbosity verbosity;

    @Option(
            names = "--skip-values",
            description =
                    "Skip reading every tensor to check its floats are finite (headers only;"
                            + " faster on large checkpoints).")
    boolean skipValues;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            ObjectNode report = inspect();
            if (json) {
                out.println(JSON.writeValueAsString(report));
            } else {
                printText(report, out);
            }
            out.flush();
            return VALID;
        } catch (Exception | StackOverflowError | OutOfMemoryError e) {
            String message = oneLine(e);
            if (json) {
                ObjectNode failure = JSON.createObjectNode();
                failure.put("path", path.toString());
                failure.put("valid", false);
                failure.put("error", message);
                try {
                    out.println(JSON.writeValueAsString(failure));
                } catch (Exception ignored) {
                    // stderr still carries the error
                }
                out.flush();
            }
            err.println("graft inspect: " + message);
            if (verbosity.verbose) {
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                err.print(trace);
            }
            err.flush();
            return INVALID;
        }
    }

    private ObjectNode inspect() throws Exception {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        ObjectNode report = JSON.createObjectNode();
        report.put("path", path.toString());
        report.put("valid", true);
        // A published checkpoint's integrity comes first: nothing else is trusted before it.
        ObjectNode manifest = null;
        if (Files.isDirectory(path) && Files.isRegularFile(path.resolve(Manifest.FILE_NAME))) {
            manifest = manifest();
        }
        Optional<ArchSpec> arch = Optional.empty();
        LayoutCheck layout = null;
        SafetensorsSource source;
        HfCheckpoint checkpoint = null;
        if (Files.isDirectory(path) && Files.isRegularFile(path.resolve(HfConfig.FILE_NAME))) {
            checkpoint = HfCheckpoint.open(path).requireComplete();
            source = checkpoint.tensors();
            arch = Optional.of(checkpoint.arch());
            layout = checkpoint.layout();
        } else {
            source = SafetensorsCheckpoint.open(path);
        }
        try {
            if (manifest != null) {
                report.set("manifest", manifest);
            }
            if (!skipValues) {
                source.checkValues();
            }
            report.put("values_checked", !skipValues);
            ArrayNode files = report.putArray("files");
            for (Path f : source.files()) {
                files.add(f.toString());
            }
            Family family =
                    arch.map(ArchSpec::family)
                            .orElseGet(
                                    () ->
                                            Family.detect(source.tensorsByName().keySet())
                                                    .orElse(null));
            report.put("family", family == null ? null : family.modelType());
            report.put("family_from", arch.isPresent() ? "config.json" : "tensor names");
            arch.ifPresent(a -> report.set("architecture", archJson(a)));
            long parameters = 0;
            Map<DType, long[]> dtypes = new TreeMap<>();
            ArrayNode tensors = JSON.createArrayNode();
            for (TensorInfo t : source.tensors()) {
                parameters += t.elementCount();
                long[] counts = dtypes.computeIfAbsent(t.dtype(), d -> new long[2]);
                counts[0]++;
                counts[1] += t.byteLength();
                ObjectNode row = tensors.addObject();
                row.put("name", t.name());
                row.put("dtype", t.dtype().name());
                ArrayNode shape = row.putArray("shape");
                for (long d : t.shape()) {
                    shape.add(d);
                }
                row.put("bytes", t.byteLength());
                if (source.files().size() > 1) {
                    row.put("file", source.fileOf(t.name()).getFileName().toString());
                }
            }
            // With a config, count parameters as the family defines them (tied tensors once,
            // buffers not at all); without one, every element of every tensor.
            report.put("parameters", layout != null ? layout.parameterCount() : parameters);
            report.put(
                    "parameters_counted",
                    layout != null ? "family layout, tied tensors once" : "all tensor elements");
            ObjectNode dt = report.putObject("dtypes");
            dtypes.forEach(
                    (d, c) -> {
                        ObjectNode o = dt.putObject(d.name());
                        o.put("tensors", c[0]);
                        o.put("bytes", c[1]);
                    });
            report.put("tensor_bytes", source.tensorBytes());
            if (layout != null) {
                ArrayNode warnings = report.putArray("warnings");
                for (String u : layout.unexpected()) {
                    warnings.add(
                            "tensor '"
                                    + u
                                    + "' is not part of the "
                                    + family.modelType()
                                    + " layout; it is kept but not transformed");
                }
                report.put("layout_prefix", layout.variant().prefix());
            }
            report.set("tensors", tensors);
            return report;
        } finally {
            if (checkpoint != null) {
                checkpoint.close();
            } else {
                source.close();
            }
        }
    }

    private ObjectNode manifest() throws Exception {
        Path dir = path.toAbsolutePath().normalize();
        CheckpointStore store =
                new CheckpointStore(
                        FileSystem.getLocalFileSystem(),
                        new org.apache.flink.core.fs.Path(dir.getParent().toUri()),
                        Clock.systemUTC());
        PublishedCheckpoint p = store.load(new org.apache.flink.core.fs.Path(dir.toUri()));
        store.verify(p);
        Manifest m = p.manifest();
        ObjectNode o = JSON.createObjectNode();
        o.put("format_version", m.formatVersion());
        o.put("run_id", m.runId());
        o.put("generation", m.generation());
        o.put("step", m.step());
        o.put("decision_id", m.decisionId());
        o.put("operator", m.operator());
        o.put("parent", m.parent() == null ? null : m.parent().getUri());
        o.put("verified", m.verification() == null ? null : m.verification().getPassed());
        o.put("files_verified", m.files().size());
        o.put("created_at_ms", m.createdAtMs());
        o.put("graft_version", m.graftVersion());
        o.put("sha256", p.manifestSha256());
        return o;
    }

    private static ObjectNode archJson(ArchSpec a) {
        ObjectNode o = JSON.createObjectNode();
        o.put("family", a.family().modelType());
        o.put("vocab_size", a.vocabSize());
        o.put("hidden_size", a.hiddenSize());
        o.put("num_layers", a.numLayers());
        o.put("num_heads", a.numHeads());
        o.put("num_kv_heads", a.numKvHeads());
        o.put("head_dim", a.headDim());
        o.put("intermediate_size", a.intermediateSize());
        o.put("max_positions", a.maxPositions());
        o.put("norm", a.norm().name().toLowerCase(Locale.ROOT));
        o.put("norm_eps", a.normEps());
        o.put("norm_placement", a.normPlacement().name().toLowerCase(Locale.ROOT));
        o.put("activation", a.activation());
        o.put("tie_word_embeddings", a.tieWordEmbeddings());
        if (a.ropeTheta() != null) {
            o.put("rope_theta", a.ropeTheta());
        }
        o.put("dtype", a.dtype().name());
        ObjectNode extra = o.putObject("extra");
        a.sortedExtra().forEach(extra::put);
        return o;
    }

    private static void printText(ObjectNode r, PrintWriter out) {
        out.printf("path:         %s%n", r.get("path").asText());
        int files = r.get("files").size();
        out.printf(
                "format:       safetensors, %s%n",
                files == 1 ? "1 file" : (files - 1) + " shards + index");
        out.printf(
                "family:       %s (from %s)%n",
                r.get("family").isNull() ? "unknown" : r.get("family").asText(),
                r.get("family_from").asText());
        if (r.has("architecture")) {
            ObjectNode a = (ObjectNode) r.get("architecture");
            out.printf(
                    "architecture: hidden %d, layers %d, heads %d (kv %d, head_dim %d), ffn %d,"
                            + " vocab %d, positions %d, %s %s-norm, %s, %s head%s%n",
                    a.get("hidden_size").asInt(),
                    a.get("num_layers").asInt(),
                    a.get("num_heads").asInt(),
                    a.get("num_kv_heads").asInt(),
                    a.get("head_dim").asInt(),
                    a.get("intermediate_size").asInt(),
                    a.get("vocab_size").asInt(),
                    a.get("max_positions").asInt(),
                    a.get("norm").asText(),
                    a.get("norm_placement").asText(),
                    a.get("activation").asText(),
                    a.get("tie_word_embeddings").asBoolean() ? "tied" : "untied",
                    a.has("rope_theta") ? ", rope_theta " + a.get("rope_theta").asDouble() : "");
        }
        out.printf(
                "parameters:   %,d (%s)%n",
                r.get("parameters").asLong(), r.get("parameters_counted").asText());
        StringBuilder dtypes = new StringBuilder();
        r.get("dtypes")
                .fields()
                .forEachRemaining(
                        e ->
                                dtypes.append(dtypes.length() == 0 ? "" : ", ")
                                        .append(e.getKey())
                                        .append(" × ")
                                        .append(e.getValue().get("tensors").asLong())
                                        .append(" (")
                                        .append(bytes(e.getValue().get("bytes").asLong()))
                                        .append(")"));
        out.printf("dtypes:       %s%n", dtypes);
        out.printf(
                "values:       %s%n",
                r.get("values_checked").asBoolean() ? "all finite" : "not checked (--skip-values)");
        if (r.has("manifest")) {
            ObjectNode m = (ObjectNode) r.get("manifest");
            out.printf(
                    "manifest:     graft.json v%d, %d files verified; run %s generation %d step %d,"
                            + " operator %s%s%n",
                    m.get("format_version").asInt(),
                    m.get("files_verified").asInt(),
                    m.get("run_id").asText(),
                    m.get("generation").asInt(),
                    m.get("step").asLong(),
                    m.get("operator").asText(),
                    m.get("decision_id").isNull()
                            ? ""
                            : ", decision " + m.get("decision_id").asText());
        }
        if (r.has("warnings")) {
            r.get("warnings").forEach(w -> out.printf("warning:      %s%n", w.asText()));
        }
        int nameWidth = 4;
        for (var t : r.get("tensors")) {
            nameWidth = Math.max(nameWidth, Math.min(80, t.get("name").asText().length()));
        }
        out.printf("tensors:      %d%n", r.get("tensors").size());
        String format = "  %-" + nameWidth + "s  %-7s  %-20s  %12s%s%n";
        out.printf(format, "name", "dtype", "shape", "bytes", files > 1 ? "  file" : "");
        for (var t : r.get("tensors")) {
            StringBuilder shape = new StringBuilder("[");
            t.get("shape")
                    .forEach(d -> shape.append(shape.length() > 1 ? ", " : "").append(d.asLong()));
            shape.append("]");
            out.printf(
                    format,
                    t.get("name").asText(),
                    t.get("dtype").asText(),
                    shape,
                    String.format("%,d", t.get("bytes").asLong()),
                    t.has("file") ? "  " + t.get("file").asText() : "");
        }
    }

    private static String bytes(long n) {
        if (n < 10_000) {
            return n + " B";
        }
        if (n < 10_000_000) {
            return String.format("%.1f kB", n / 1e3);
        }
        if (n < 10_000_000_000L) {
            return String.format("%.1f MB", n / 1e6);
        }
        return String.format("%.1f GB", n / 1e9);
    }

    private static String oneLine(Throwable e) {
        String message;
        if (e instanceof CheckpointFormatException) {
            message = e.getMessage();
        } else if (e instanceof NoSuchFileException) {
            message = e.getMessage() + ": no such file or directory";
        } else if (e instanceof java.nio.file.AccessDeniedException) {
            message = e.getMessage() + ": permission denied";
        } else if (e instanceof OutOfMemoryError || e instanceof StackOverflowError) {
            message = "ran out of memory reading the checkpoint (" + e + "); please report it";
        } else {
            message = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        return message.replaceAll("\\s*\\R\\s*", " ");
    }
}
