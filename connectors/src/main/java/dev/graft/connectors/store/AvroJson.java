package dev.graft.connectors.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Avro records as plain JSON for the manifest (which people read): field names as in the contract,
 * nullable unions as the value or {@code null} (not Avro's {@code {"double": 1.0}}). Covers the
 * types the contracts use: records, strings, numbers, booleans, enums, arrays, maps and nullable
 * unions.
 */
final class AvroJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private AvroJson() {}

    static JsonNode toJson(Object value, Schema schema) {
        if (value == null) {
            return NODES.nullNode();
        }
        return switch (schema.getType()) {
            case RECORD -> {
                IndexedRecord r = (IndexedRecord) value;
                ObjectNode o = NODES.objectNode();
                for (Schema.Field f : schema.getFields()) {
                    o.set(f.name(), toJson(r.get(f.pos()), f.schema()));
                }
                yield o;
            }
            case UNION -> toJson(value, nonNull(schema));
            case STRING, ENUM -> NODES.textNode(value.toString());
            case INT -> NODES.numberNode((Integer) value);
            case LONG -> NODES.numberNode((Long) value);
            case DOUBLE -> NODES.numberNode((Double) value);
            case FLOAT -> NODES.numberNode((Float) value);
            case BOOLEAN -> NODES.booleanNode((Boolean) value);
            case ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                for (Object item : (Iterable<?>) value) {
                    a.add(toJson(item, schema.getElementType()));
                }
                yield a;
            }
            case MAP -> {
                ObjectNode o = NODES.objectNode();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                    o.set(e.getKey().toString(), toJson(e.getValue(), schema.getValueType()));
                }
                yield o;
            }
            default ->
                    throw new IllegalArgumentException(
                            "Avro type " + schema.getType() + " is not used in manifests");
        };
    }

    /**
     * The record of {@code schema} (a generated class when one exists) from plain JSON; absent
     * fields take their schema default.
     *
     * @throws IllegalArgumentException naming the field whose value does not fit
     */
    static Object fromJson(JsonNode json, Schema schema, String path) {
        if (json == null || json.isNull()) {
            if (schema.getType() == Schema.Type.NULL
                    || (schema.getType() == Schema.Type.UNION
                            && schema.getTypes().stream()
                                    .anyMatch(s -> s.getType() == Schema.Type.NULL))) {
                return null;
            }
            throw new IllegalArgumentException(
                    path + " is missing or null; expected " + schema.getType());
        }
        switch (schema.getType()) {
            case RECORD -> {
                if (!json.isObject()) {
                    throw new IllegalArgumentException(path + " is not an object");
                }
                IndexedRecord r = newRecord(schema);
                for (Schema.Field f : schema.getFields()) {
                    JsonNode v = json.get(f.name());
                    if (v == null && f.hasDefaultValue()) {
                        Object d = f.defaultVal();
                        JsonNode dj =
                                d == null || d == JsonProperties.NULL_VALUE
                                        ? NODES.nullNode()
                                        : MAPPER.valueToTree(d);
                        r.put(f.pos(), fromJson(dj, f.schema(), path + "." + f.name()));
                    } else {
                        r.put(f.pos(), fromJson(v, f.schema(), path + "." + f.name()));
                    }
                }
                return r;
            }
            case UNION -> {
                return fromJson(json, nonNull(schema), path);
            }
            case STRING -> {
                return text(json, path);
            }
            case ENUM -> {
                String s = text(json, path);
                if (!schema.hasEnumSymbol(s)) {
                    throw new IllegalArgumentException(
                            path + " is '" + s + "'; expected one of " + schema.getEnumSymbols());
                }
                return new GenericData.EnumSymbol(schema, s);
            }
            case INT -> {
                if (!json.isIntegralNumber() || !json.canConvertToInt()) {
                    throw new IllegalArgumentException(
                            path + " is " + json + "; expected an integer");
                }
                return json.intValue();
            }
            case LONG -> {
                if (!json.isIntegralNumber() || !json.canConvertToLong()) {
                    throw new IllegalArgumentException(
                            path + " is " + json + "; expected an integer");
                }
                return json.longValue();
            }
            case DOUBLE, FLOAT -> {
                if (!json.isNumber()) {
                    throw new IllegalArgumentException(
                            path + " is " + json + "; expected a number");
                }
                return schema.getType() == Schema.Type.DOUBLE
                        ? (Object) json.doubleValue()
                        : (Object) json.floatValue();
            }
            case BOOLEAN -> {
                if (!json.isBoolean()) {
                    throw new IllegalArgumentException(
                            path + " is " + json + "; expected true or false");
                }
                return json.booleanValue();
            }
            case ARRAY -> {
                if (!json.isArray()) {
                    throw new IllegalArgumentException(path + " is not an array");
                }
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < json.size(); i++) {
                    list.add(fromJson(json.get(i), schema.getElementType(), path + "[" + i + "]"));
                }
                return list;
            }
            case MAP -> {
                if (!json.isObject()) {
                    throw new IllegalArgumentException(path + " is not an object");
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    map.put(
                            e.getKey(),
                            fromJson(e.getValue(), schema.getValueType(), path + "." + e.getKey()));
                }
                return map;
            }
            default ->
                    throw new IllegalArgumentException(
                            path + ": Avro type " + schema.getType() + " is not used in manifests");
        }
    }

    /**
     * The generated class for the contracts manifests use, built without reflection: Avro 1.12
     * refuses to load classes by name outside trusted packages, and the CLI sets no system
     * properties.
     */
    private static IndexedRecord newRecord(Schema schema) {
        return switch (schema.getFullName()) {
            case "dev.graft.schema.CheckpointRef" -> new dev.graft.schema.CheckpointRef();
            case "dev.graft.schema.Verification" -> new dev.graft.schema.Verification();
            case "dev.graft.schema.ArchSpec" -> new dev.graft.schema.ArchSpec();
            case "dev.graft.schema.FileEntry" -> new dev.graft.schema.FileEntry();
            default -> new GenericData.Record(schema);
        };
    }

    private static String text(JsonNode json, String path) {
        if (!json.isTextual()) {
            throw new IllegalArgumentException(path + " is " + json + "; expected a string");
        }
        return json.textValue();
    }

    private static Schema nonNull(Schema union) {
        for (Schema s : union.getTypes()) {
            if (s.getType() != Schema.Type.NULL) {
                return s;
            }
        }
        throw new IllegalArgumentException("union " + union + " has no non-null branch");
    }
}
