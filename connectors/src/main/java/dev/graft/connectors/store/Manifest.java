package dev.graft.connectors.store;

import dev.graft.schema.ArchSpec;
import dev.graft.schema.CheckpointRef;
import dev.graft.schema.FileEntry;
import dev.graft.schema.Verification;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code graft.json}: what a published checkpoint is and where it came from. Every file of the
 * checkpoint with its size and sha256, the parent checkpoint, the decision and operator that made
 * it, how it was verified, its architecture, when it was created and by which Graft.
 *
 * <p>Versioned: {@link #FORMAT_VERSION} is written, and reading refuses other versions, missing
 * fields and file entries that could leave the directory.
 *
 * @param decisionId the decision the checkpoint carries out; null for an imported checkpoint
 * @param parent the checkpoint it was derived from; null for an imported one
 * @param verification how the result was checked; null when it was not transformed
 * @param arch the architecture; null when unknown
 */
public record Manifest(
        int formatVersion,
        String runId,
        int generation,
        long step,
        String decisionId,
        CheckpointRef parent,
        String operator,
        Map<String, String> operatorOptions,
        Verification verification,
        ArchSpec arch,
        List<FileEntry> files,
        long createdAtMs,
        String graftVersion) {

    /** The manifest's file name. */
    public static final String FILE_NAME = "graft.json";

    /** The format this code writes and reads. */
    public static final int FORMAT_VERSION = 1;

    /** Largest manifest read. */
    public static final long MAX_BYTES = 16L << 20;

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Manifest {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(operator, "operator");
        Objects.requireNonNull(graftVersion, "graftVersion");
        operatorOptions = Map.copyOf(operatorOptions == null ? Map.of() : operatorOptions);
        files = List.copyOf(files);
    }

    /** The entry for a file, if listed. */
    public java.util.Optional<FileEntry> file(String path) {
        return files.stream().filter(f -> f.getPath().equals(path)).findFirst();
    }

    /** Sum of the files' sizes. */
    public long totalBytes() {
        return files.stream().mapToLong(FileEntry::getBytes).sum();
    }

    /** The manifest as UTF-8 JSON, fields in a fixed order. */
    public byte[] toJsonBytes() throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("format_version", formatVersion);
        o.put("run_id", runId);
        o.put("generation", generation);
        o.put("step", step);
        o.put("decision_id", decisionId);
        o.set("parent", AvroJson.toJson(parent, CheckpointRef.getClassSchema()));
        o.put("operator", operator);
        ObjectNode options = o.putObject("operator_options");
        new java.util.TreeMap<>(operatorOptions).forEach(options::put);
        o.set("verification", AvroJson.toJson(verification, Verification.getClassSchema()));
        o.set("arch", AvroJson.toJson(arch, ArchSpec.getClassSchema()));
        ArrayNode list = o.putArray("files");
        for (FileEntry f : files) {
            list.add(AvroJson.toJson(f, FileEntry.getClassSchema()));
        }
        o.put("created_at", Instant.ofEpochMilli(createdAtMs).toString());
        o.put("created_at_ms", createdAtMs);
        o.put("graft_version", graftVersion);
        return JSON.writeValueAsBytes(o);
    }

    /**
     * Parses and validates a manifest.
     *
     * @param source names the manifest in error messages
     * @throws ManifestException naming the manifest and the field at fault
     */
    public static Manifest parse(byte[] json, String source) throws ManifestException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new ManifestException(source, "is not well-formed JSON");
        }
        if (root == null || !root.isObject()) {
            throw new ManifestException(source, "is not a JSON object");
        }
        JsonNode version = root.get("format_version");
        if (version == null || !version.canConvertToInt() || !version.isIntegralNumber()) {
            throw new ManifestException(
                    source, "has no integer format_version; it is not a Graft manifest");
        }
        if (version.intValue() != FORMAT_VERSION) {
            throw new ManifestException(
                    source,
                    "has format_version "
                            + version.intValue()
                            + "; this Graft reads version "
                            + FORMAT_VERSION
                            + (version.intValue() > FORMAT_VERSION ? ". Upgrade Graft" : ""));
        }
        try {
            String runId = (String) field(root, "run_id", Schema.create(Schema.Type.STRING));
            int generation = (Integer) field(root, "generation", Schema.create(Schema.Type.INT));
            long step = (Long) field(root, "step", Schema.create(Schema.Type.LONG));
            String decisionId = (String) field(root, "decision_id", nullable(Schema.Type.STRING));
            CheckpointRef parent =
                    (CheckpointRef) field(root, "parent", nullable(CheckpointRef.getClassSchema()));
            String operator = (String) field(root, "operator", Schema.create(Schema.Type.STRING));
            @SuppressWarnings("unchecked")
            Map<String, String> options =
                    (Map<String, String>)
                            field(
                                    root,
                                    "operator_options",
                                    Schema.createMap(Schema.create(Schema.Type.STRING)));
            Verification verification =
                    (Verification)
                            field(root, "verification", nullable(Verification.getClassSchema()));
            ArchSpec arch = (ArchSpec) field(root, "arch", nullable(ArchSpec.getClassSchema()));
            @SuppressWarnings("unchecked")
            List<FileEntry> files =
                    (List<FileEntry>)
                            field(root, "files", Schema.createArray(FileEntry.getClassSchema()));
            long created = (Long) field(root, "created_at_ms", Schema.create(Schema.Type.LONG));
            String graftVersion =
                    (String) field(root, "graft_version", Schema.create(Schema.Type.STRING));
            checkFiles(source, files);
            return new Manifest(
                    FORMAT_VERSION,
                    runId,
                    generation,
                    step,
                    decisionId,
                    parent,
                    operator,
                    new LinkedHashMap<>(options),
                    verification,
                    arch,
                    new ArrayList<>(files),
                    created,
                    graftVersion);
        } catch (IllegalArgumentException e) {
            throw new ManifestException(source, e.getMessage());
        }
    }

    private static void checkFiles(String source, List<FileEntry> files) throws ManifestException {
        Set<String> seen = new HashSet<>();
        for (FileEntry f : files) {
            String p = f.getPath();
            if (!CheckpointStore.isSafeRelativePath(p)) {
                throw new ManifestException(
                        source,
                        "lists file '"
                                + p
                                + "', which is not a plain relative path inside the checkpoint");
            }
            if (p.equals(FILE_NAME)) {
                throw new ManifestException(source, "lists itself among its files");
            }
            if (!seen.add(p)) {
                throw new ManifestException(source, "lists file '" + p + "' twice");
            }
            if (f.getBytes() < 0) {
                throw new ManifestException(source, "gives file '" + p + "' a negative size");
            }
            if (!SHA256.matcher(f.getSha256()).matches()) {
                throw new ManifestException(
                        source,
                        "gives file '"
                                + p
                                + "' sha256 '"
                                + f.getSha256()
                                + "'; expected 64 lower-case hex digits");
            }
        }
    }

    private static Object field(JsonNode root, String name, Schema schema) {
        return AvroJson.fromJson(root.get(name), schema, name);
    }

    private static Schema nullable(Schema.Type type) {
        return nullable(Schema.create(type));
    }

    private static Schema nullable(Schema schema) {
        return Schema.createUnion(Schema.create(Schema.Type.NULL), schema);
    }
}
