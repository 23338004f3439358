package dev.graft.connectors.serde;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Plain, natural JSON for Graft records, directed by the Avro schema: the JSON a Python trainer
 * writes with {@code json.dumps}, not Avro's JSON encoding.
 *
 * <pre>{@code
 * TrainingMetric m = JsonRecords.fromJson(
 *         "{\"run_id\":\"r1\",\"step\":10,\"wall_time_ms\":1700000000000,\"metrics\":{\"loss\":2.31}}",
 *         TrainingMetric.class);
 * String line = JsonRecords.toJson(m); // one line, every field, in schema order
 * }</pre>
 *
 * <ul>
 *   <li>records are objects with the schema's field names; fields with a default may be omitted;
 *       unknown and duplicate fields are errors;
 *   <li>a nullable union {@code ["null", X]} is the X value or {@code null} (no {@code {"double":
 *       1.0}} wrapper);
 *   <li>enums are their symbol strings, maps are objects, arrays are arrays, bytes are base64;
 *   <li>doubles accept numbers, the tokens {@code NaN}, {@code Infinity}, {@code -Infinity} and the
 *       same as strings; they are written as numbers, non-finite ones as those strings (so the
 *       output is strict JSON);
 *   <li>ints and longs accept integral numbers in range (also {@code 1e3}, {@code 10.0}).
 * </ul>
 *
 * <p>Errors are {@link RecordDecodeException}s naming the JSON path ({@code $.metrics.loss}), the
 * type expected and what was found.
 */
public final class JsonRecords {

    private static final ObjectMapper MAPPER =
            JsonMapper.builder(
                            JsonFactory.builder()
                                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                                    .enable(JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS)
                                    .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
                                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                                    .build())
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .build();

    private static final Pattern SIMPLE_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_SHOWN = 40;

    private JsonRecords() {}

    /**
     * Parses one JSON object into a record of {@code type}.
     *
     * @throws RecordDecodeException with {@link ErrorCode#MALFORMED_JSON}, {@link
     *     ErrorCode#MISSING_FIELD}, {@link ErrorCode#UNKNOWN_FIELD}, {@link ErrorCode#WRONG_TYPE}
     *     or {@link ErrorCode#INVALID_VALUE}
     */
    public static <T extends SpecificRecord> T fromJson(byte[] json, Class<T> type)
            throws RecordDecodeException {
        return fromTree(parse(json, type), type);
    }

    /** Same as {@link #fromJson(byte[], Class)} for a string. */
    public static <T extends SpecificRecord> T fromJson(String json, Class<T> type)
            throws RecordDecodeException {
        return fromJson(json.getBytes(StandardCharsets.UTF_8), type);
    }

    /**
     * The record as one line of natural JSON; {@link #fromJson} reads it back to an equal record.
     */
    public static String toJson(IndexedRecord record) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator gen = MAPPER.getFactory().createGenerator(out)) {
            write(gen, record, record.getSchema());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** {@link #toJson} as UTF-8 bytes. */
    public static byte[] toJsonBytes(IndexedRecord record) {
        return toJson(record).getBytes(StandardCharsets.UTF_8);
    }

    /** Parses any JSON value, or fails with {@link ErrorCode#MALFORMED_JSON}. */
    static JsonNode parse(byte[] json, Class<?> type) throws RecordDecodeException {
        try {
            JsonNode node = MAPPER.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new RecordDecodeException(
                        ErrorCode.EMPTY_RECORD,
                        "expected a JSON object for " + type.getSimpleName() + ", found no value");
            }
            return node;
        } catch (JsonProcessingException e) {
            String where =
                    e.getLocation() == null
                            ? ""
                            : " at line "
                                    + e.getLocation().getLineNr()
                                    + ", column "
                                    + e.getLocation().getColumnNr();
            throw new RecordDecodeException(
                    ErrorCode.MALFORMED_JSON,
                    "expected one well-formed JSON object for "
                            + type.getSimpleName()
                            + ", found malformed JSON"
                            + where
                            + ": "
                            + e.getOriginalMessage()
                            + "; write the value with a JSON library (e.g. Python json.dumps)",
                    e);
        } catch (IOException e) {
            throw new RecordDecodeException(
                    ErrorCode.MALFORMED_JSON, "could not read JSON: " + e.getMessage(), e);
        }
    }

    static <T extends SpecificRecord> T fromTree(JsonNode node, Class<T> type)
            throws RecordDecodeException {
        Schema schema = SpecificData.get().getSchema(type);
        if (!node.isObject()) {
            throw new RecordDecodeException(
                    ErrorCode.MALFORMED_JSON,
                    "expected a JSON object {...} for "
                            + type.getSimpleName()
                            + ", found "
                            + describe(node)
                            + "; send one object per Kafka value");
        }
        Object value = new Reader(SpecificData.getForClass(type)).read(node, schema, "$");
        return type.cast(value);
    }

    /** Converts a JSON tree to Avro specific data, one schema node at a time. */
    private static final class Reader {
        private final SpecificData data;

        Reader(SpecificData data) {
            this.data = data;
        }

        Object read(JsonNode node, Schema schema, String path) throws RecordDecodeException {
            switch (schema.getType()) {
                case RECORD:
                    return readRecord(node, schema, path);
                case UNION:
                    return readUnion(node, schema, path);
                case ENUM:
                    return readEnum(node, schema, path);
                case MAP:
                    return readMap(node, schema, path);
                case ARRAY:
                    return readArray(node, schema, path);
                case STRING:
                    if (!node.isTextual()) {
                        throw wrongType(path, "a string", node);
                    }
                    return node.textValue();
                case BYTES:
                    return ByteBuffer.wrap(readBase64(node, path, "bytes (a base64 string)"));
                case FIXED:
                    byte[] fixed = readBase64(node, path, "fixed (a base64 string)");
                    if (fixed.length != schema.getFixedSize()) {
                        throw new RecordDecodeException(
                                ErrorCode.INVALID_VALUE,
                                path
                                        + ": expected "
                                        + schema.getFixedSize()
                                        + " bytes, found "
                                        + fixed.length);
                    }
                    return data.createFixed(null, fixed, schema);
                case INT:
                    return (int)
                            readIntegral(node, path, "int", Integer.MIN_VALUE, Integer.MAX_VALUE);
                case LONG:
                    return readIntegral(node, path, "long", Long.MIN_VALUE, Long.MAX_VALUE);
                case FLOAT:
                    return (float) readDouble(node, path, "float");
                case DOUBLE:
                    return readDouble(node, path, "double");
                case BOOLEAN:
                    if (!node.isBoolean()) {
                        throw wrongType(path, "a boolean (true or false)", node);
                    }
                    return node.booleanValue();
                case NULL:
                    if (!node.isNull()) {
                        throw wrongType(path, "null", node);
                    }
                    return null;
                default:
                    throw new IllegalStateException("unsupported schema type " + schema.getType());
            }
        }

        private Object readRecord(JsonNode node, Schema schema, String path)
                throws RecordDecodeException {
            if (!node.isObject()) {
                throw wrongType(path, "an object (" + schema.getName() + ")", node);
            }
            List<String> unknown = new ArrayList<>();
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (schema.getField(name) == null) {
                    unknown.add(name);
                }
            }
            List<String> missing = new ArrayList<>();
            for (Schema.Field field : schema.getFields()) {
                if (!field.hasDefaultValue() && !node.has(field.name())) {
                    missing.add(field.name());
                }
            }
            if (!unknown.isEmpty()) {
                List<String> paths = new ArrayList<>();
                for (String name : unknown) {
                    paths.add(child(path, name));
                }
                throw new RecordDecodeException(
                        ErrorCode.UNKNOWN_FIELD,
                        "unknown field"
                                + (unknown.size() > 1 ? "s " : " ")
                                + String.join(", ", paths)
                                + ": "
                                + schema.getName()
                                + " has fields "
                                + fieldNames(schema)
                                + (missing.isEmpty() ? "" : " (missing: " + missing + ")")
                                + "; remove or rename "
                                + (unknown.size() > 1 ? "them" : "it"));
            }
            if (!missing.isEmpty()) {
                Schema.Field first = schema.getField(missing.get(0));
                throw new RecordDecodeException(
                        ErrorCode.MISSING_FIELD,
                        "missing required field"
                                + (missing.size() > 1 ? "s " : " ")
                                + child(path, missing.get(0))
                                + (missing.size() > 1 ? " (all missing: " + missing + ")" : "")
                                + ": expected "
                                + typeName(first.schema())
                                + " (it has no default), found no such key; add it");
            }
            IndexedRecord record = (IndexedRecord) data.newRecord(null, schema);
            for (Schema.Field field : schema.getFields()) {
                JsonNode value = node.get(field.name());
                Object converted =
                        value == null
                                ? data.deepCopy(field.schema(), data.getDefaultValue(field))
                                : read(value, field.schema(), child(path, field.name()));
                record.put(field.pos(), converted);
            }
            return record;
        }

        private Object readUnion(JsonNode node, Schema schema, String path)
                throws RecordDecodeException {
            List<Schema> branches = schema.getTypes();
            if (node.isNull()) {
                for (Schema branch : branches) {
                    if (branch.getType() == Schema.Type.NULL) {
                        return null;
                    }
                }
                throw wrongType(path, typeName(schema), node);
            }
            RecordDecodeException first = null;
            for (Schema branch : branches) {
                if (branch.getType() == Schema.Type.NULL) {
                    continue;
                }
                try {
                    return read(node, branch, path);
                } catch (RecordDecodeException e) {
                    if (first == null) {
                        first = e;
                    }
                }
            }
            if (first != null && nonNullBranches(schema) == 1) {
                // ["null", X]: the X error is the precise one; say null was allowed too.
                String message = first.getMessage();
                int found = message.indexOf(", found ");
                if (first.code() == ErrorCode.WRONG_TYPE
                        && message.startsWith(path + ": expected ")
                        && found > 0) {
                    message = message.substring(0, found) + " or null" + message.substring(found);
                }
                throw new RecordDecodeException(first.code(), message, first.getCause());
            }
            throw wrongType(path, typeName(schema), node);
        }

        private Object readEnum(JsonNode node, Schema schema, String path)
                throws RecordDecodeException {
            if (!node.isTextual()) {
                throw wrongType(path, "one of the strings " + schema.getEnumSymbols(), node);
            }
            String symbol = node.textValue();
            if (!schema.hasEnumSymbol(symbol)) {
                String hint = "";
                for (String s : schema.getEnumSymbols()) {
                    if (s.equalsIgnoreCase(symbol)) {
                        hint = " (symbols are case-sensitive: did you mean " + s + "?)";
                    }
                }
                throw new RecordDecodeException(
                        ErrorCode.INVALID_VALUE,
                        path
                                + ": expected one of "
                                + schema.getEnumSymbols()
                                + " ("
                                + schema.getName()
                                + "), found "
                                + shown(node)
                                + hint);
            }
            return data.createEnum(symbol, schema);
        }

        private Object readMap(JsonNode node, Schema schema, String path)
                throws RecordDecodeException {
            if (!node.isObject()) {
                throw wrongType(
                        path, "an object (map of " + typeName(schema.getValueType()) + ")", node);
            }
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                map.put(
                        e.getKey(),
                        read(e.getValue(), schema.getValueType(), child(path, e.getKey())));
            }
            return map;
        }

        private Object readArray(JsonNode node, Schema schema, String path)
                throws RecordDecodeException {
            if (!node.isArray()) {
                throw wrongType(
                        path, "an array (of " + typeName(schema.getElementType()) + ")", node);
            }
            List<Object> list = new ArrayList<>(node.size());
            for (int i = 0; i < node.size(); i++) {
                list.add(read(node.get(i), schema.getElementType(), path + "[" + i + "]"));
            }
            return list;
        }
    }

    private static long readIntegral(JsonNode node, String path, String type, long min, long max)
            throws RecordDecodeException {
        String expected = "an integer (" + type + ")";
        if (!node.isNumber()) {
            throw wrongType(path, expected, node);
        }
        BigInteger integral;
        if (node.isIntegralNumber()) {
            integral = node.bigIntegerValue();
        } else {
            double d = node.doubleValue();
            if (!Double.isFinite(d) || d != Math.rint(d)) {
                throw wrongType(path, expected, node);
            }
            integral = new BigDecimal(d).toBigInteger();
        }
        if (integral.compareTo(BigInteger.valueOf(min)) < 0
                || integral.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new RecordDecodeException(
                    ErrorCode.WRONG_TYPE,
                    path
                            + ": expected "
                            + expected
                            + " in ["
                            + min
                            + ", "
                            + max
                            + "], found "
                            + shown(node)
                            + " (out of range)");
        }
        return integral.longValue();
    }

    private static double readDouble(JsonNode node, String path, String type)
            throws RecordDecodeException {
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isTextual()) {
            switch (node.textValue()) {
                case "NaN":
                    return Double.NaN;
                case "Infinity":
                case "+Infinity":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
        }
        throw wrongType(
                path, "a number (" + type + "; NaN, Infinity, -Infinity also as strings)", node);
    }

    private static byte[] readBase64(JsonNode node, String path, String expected)
            throws RecordDecodeException {
        if (!node.isTextual()) {
            throw wrongType(path, expected, node);
        }
        try {
            return Base64.getDecoder().decode(node.textValue());
        } catch (IllegalArgumentException e) {
            throw new RecordDecodeException(
                    ErrorCode.INVALID_VALUE,
                    path
                            + ": expected "
                            + expected
                            + ", found invalid base64 ("
                            + e.getMessage()
                            + ")");
        }
    }

    private static void write(JsonGenerator gen, Object value, Schema schema) throws IOException {
        switch (schema.getType()) {
            case RECORD:
                IndexedRecord record = (IndexedRecord) value;
                gen.writeStartObject();
                for (Schema.Field field : schema.getFields()) {
                    gen.writeFieldName(field.name());
                    write(gen, record.get(field.pos()), field.schema());
                }
                gen.writeEndObject();
                break;
            case UNION:
                if (value == null) {
                    gen.writeNull();
                } else {
                    int branch = GenericData.get().resolveUnion(schema, value);
                    write(gen, value, schema.getTypes().get(branch));
                }
                break;
            case ENUM:
            case STRING:
                gen.writeString(value.toString());
                break;
            case MAP:
                gen.writeStartObject();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                    gen.writeFieldName(e.getKey().toString());
                    write(gen, e.getValue(), schema.getValueType());
                }
                gen.writeEndObject();
                break;
            case ARRAY:
                gen.writeStartArray();
                for (Object item : (Iterable<?>) value) {
                    write(gen, item, schema.getElementType());
                }
                gen.writeEndArray();
                break;
            case BYTES:
                ByteBuffer buffer = ((ByteBuffer) value).duplicate();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                gen.writeString(Base64.getEncoder().encodeToString(bytes));
                break;
            case FIXED:
                gen.writeString(Base64.getEncoder().encodeToString(((GenericFixed) value).bytes()));
                break;
            case INT:
                gen.writeNumber((Integer) value);
                break;
            case LONG:
                gen.writeNumber((Long) value);
                break;
            case FLOAT:
                gen.writeNumber((Float) value);
                break;
            case DOUBLE:
                gen.writeNumber((Double) value);
                break;
            case BOOLEAN:
                gen.writeBoolean((Boolean) value);
                break;
            case NULL:
                gen.writeNull();
                break;
            default:
                throw new IllegalStateException("unsupported schema type " + schema.getType());
        }
    }

    private static RecordDecodeException wrongType(String path, String expected, JsonNode found) {
        return new RecordDecodeException(
                ErrorCode.WRONG_TYPE,
                path + ": expected " + expected + ", found " + describe(found));
    }

    /** "a string \"ten\"", "an array", "null": what a person needs to spot the mistake. */
    static String describe(JsonNode node) {
        switch (node.getNodeType()) {
            case STRING:
                return "a string " + shown(node);
            case NUMBER:
                return "the number " + shown(node);
            case BOOLEAN:
                return "the boolean " + node.booleanValue();
            case NULL:
                return "null";
            case ARRAY:
                return "an array";
            case OBJECT:
                return "an object";
            default:
                return node.getNodeType().name().toLowerCase(Locale.ROOT);
        }
    }

    private static String shown(JsonNode node) {
        String s = node.toString();
        return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN) + "...";
    }

    private static String child(String path, String name) {
        if (SIMPLE_KEY.matcher(name).matches()) {
            return path + "." + name;
        }
        String shown = name.length() <= MAX_SHOWN ? name : name.substring(0, MAX_SHOWN) + "...";
        return path + "[\"" + shown.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
    }

    private static List<String> fieldNames(Schema schema) {
        List<String> names = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            names.add(f.name());
        }
        return names;
    }

    private static int nonNullBranches(Schema union) {
        int n = 0;
        for (Schema branch : union.getTypes()) {
            if (branch.getType() != Schema.Type.NULL) {
                n++;
            }
        }
        return n;
    }

    /** "long", "string or null", "TrainingMetric", "map of double": for messages. */
    static String typeName(Schema schema) {
        switch (schema.getType()) {
            case RECORD:
            case ENUM:
            case FIXED:
                return schema.getName();
            case MAP:
                return "map of " + typeName(schema.getValueType());
            case ARRAY:
                return "array of " + typeName(schema.getElementType());
            case UNION:
                List<String> names = new ArrayList<>();
                for (Schema branch : schema.getTypes()) {
                    names.add(typeName(branch));
                }
                return String.join(" or ", names);
            default:
                return schema.getType().getName();
        }
    }
}
