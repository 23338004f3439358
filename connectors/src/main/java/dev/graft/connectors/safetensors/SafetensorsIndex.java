package dev.graft.connectors.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

import static dev.graft.connectors.safetensors.CheckpointFormatException.printable;

/**
 * A sharded checkpoint's {@code model.safetensors.index.json}: {@code {"metadata": {"total_size":
 * N}, "weight_map": {"<tensor>": "<shard file>", …}}}.
 *
 * <p>{@link #read} checks the JSON and that every shard file stays inside the checkpoint directory:
 * no absolute paths, no {@code ..}, no links that lead out of it.
 *
 * @param totalSize {@code metadata.total_size}: the sum of the tensors' byte lengths (some tools
 *     write the sum of the shard file sizes instead; both are accepted on read)
 * @param weightMap tensor name → shard file, relative to the directory
 */
public record SafetensorsIndex(OptionalLong totalSize, Map<String, String> weightMap) {

    /** The file name Hugging Face uses. */
    public static final String FILE_NAME = "model.safetensors.index.json";

    /** Largest index Graft reads. */
    public static final long MAX_INDEX_BYTES = 100_000_000L;

    private static final JsonFactory JSON =
            JsonFactory.builder()
                    .streamReadConstraints(
                            StreamReadConstraints.builder()
                                    .maxNestingDepth(64)
                                    .maxNumberLength(64)
                                    .build())
                    .build();

    public SafetensorsIndex {
        weightMap = Collections.unmodifiableMap(new LinkedHashMap<>(weightMap));
    }

    /** Reads and checks an index file. */
    public static SafetensorsIndex read(Path indexFile) throws IOException {
        String file = indexFile.toString();
        long size = Files.size(indexFile);
        if (size > MAX_INDEX_BYTES) {
            throw new CheckpointFormatException(
                    file,
                    null,
                    "index is " + size + " bytes, over the limit of " + MAX_INDEX_BYTES);
        }
        OptionalLong totalSize = OptionalLong.empty();
        Map<String, String> weightMap = null;
        try (Reader in =
                        new InputStreamReader(
                                Files.newInputStream(indexFile),
                                StandardCharsets.UTF_8
                                        .newDecoder()
                                        .onMalformedInput(CodingErrorAction.REPORT)
                                        .onUnmappableCharacter(CodingErrorAction.REPORT));
                JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new CheckpointFormatException(
                        file, null, "index is not a JSON object; expected {\"weight_map\": …}");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken v = p.nextToken();
                if (key.equals("metadata")) {
                    if (v != JsonToken.START_OBJECT) {
                        throw new CheckpointFormatException(
                                file, null, "index metadata is not a JSON object");
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String m = p.currentName();
                        JsonToken mv = p.nextToken();
                        if (m.equals("total_size")) {
                            totalSize = OptionalLong.of(totalSize(file, p, mv));
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if (key.equals("weight_map")) {
                    if (weightMap != null) {
                        throw new CheckpointFormatException(
                                file, null, "index has two weight_map keys");
                    }
                    weightMap = weightMap(file, p, v);
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new CheckpointFormatException(
                        file, null, "index has content after its JSON object");
            }
        } catch (CheckpointFormatException e) {
            throw e;
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(
                    file,
                    null,
                    "index is not well-formed JSON: "
                            + SafetensorsHeader.oneLine(e.getOriginalMessage()),
                    e);
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(file, null, "index is not valid UTF-8", e);
        }
        if (weightMap == null) {
            throw new CheckpointFormatException(
                    file, null, "index has no weight_map; expected {\"weight_map\": {…}}");
        }
        return new SafetensorsIndex(totalSize, weightMap);
    }

    private static long totalSize(String file, JsonParser p, JsonToken t) throws IOException {
        boolean integral =
                t == JsonToken.VALUE_NUMBER_INT
                        && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER;
        // Some tools write total_size as a float (e.g. 1.0E9); accept it when integral.
        if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            if (d >= 0 && d < 0x1p62 && d == Math.rint(d)) {
                return (long) d;
            }
        }
        if (!integral || p.getLongValue() < 0) {
            throw new CheckpointFormatException(
                    file,
                    null,
                    "metadata.total_size is "
                            + SafetensorsHeader.oneLine(p.getText())
                            + "; expected a non-negative integer");
        }
        return p.getLongValue();
    }

    private static Map<String, String> weightMap(String file, JsonParser p, JsonToken t)
            throws IOException {
        if (t != JsonToken.START_OBJECT) {
            throw new CheckpointFormatException(
                    file, null, "weight_map is not a JSON object of tensor name → shard file");
        }
        Map<String, String> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String tensor = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new CheckpointFormatException(
                        file, tensor, "weight_map value is not a string naming a shard file");
            }
            if (map.put(tensor, p.getText()) != null) {
                throw new CheckpointFormatException(
                        file, tensor, "weight_map names the tensor twice");
            }
        }
        return map;
    }

    /**
     * The shard file inside {@code dir}, refusing names that would leave it: absolute paths, {@code
     * ..}, backslashes, and (once it exists) links whose target lies outside.
     */
    public static Path resolveShard(Path dir, String indexFile, String tensor, String shard)
            throws IOException {
        String problem = null;
        Path resolved = null;
        if (shard.isEmpty()) {
            problem = "shard file name is empty";
        } else if (shard.startsWith("/") || shard.contains("\\") || shard.contains(":")) {
            problem =
                    "shard file '"
                            + printable(shard)
                            + "' is absolute or not a plain relative path; shards must lie in"
                            + " the checkpoint directory";
        } else {
            try {
                Path rel = Path.of(shard);
                for (Path part : rel) {
                    if (part.toString().equals("..")) {
                        problem =
                                "shard file '"
                                        + printable(shard)
                                        + "' contains '..'; shards must lie in the checkpoint"
                                        + " directory";
                    }
                }
                resolved = dir.resolve(rel).normalize();
                if (problem == null && !resolved.startsWith(dir.normalize())) {
                    problem =
                            "shard file '" + printable(shard) + "' leaves the checkpoint directory";
                }
            } catch (InvalidPathException e) {
                problem = "shard file '" + printable(shard) + "' is not a valid path";
            }
        }
        if (problem == null && Files.exists(resolved)) {
            Path real = resolved.toRealPath();
            if (!real.startsWith(dir.toRealPath())) {
                problem =
                        "shard file '"
                                + printable(shard)
                                + "' is a link to "
                                + real
                                + ", outside the checkpoint directory";
            }
        }
        if (problem != null) {
            throw new CheckpointFormatException(indexFile, tensor, problem);
        }
        return resolved;
    }

    /** Writes the index: weight_map sorted by tensor name, as Hugging Face writes it. */
    public void write(OutputStream out) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            g.writeObjectFieldStart("metadata");
            if (totalSize.isPresent()) {
                g.writeNumberField("total_size", totalSize.getAsLong());
            }
            g.writeEndObject();
            g.writeObjectFieldStart("weight_map");
            for (Map.Entry<String, String> e : new TreeMap<>(weightMap).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }
}
