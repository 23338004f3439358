package dev.graft.connectors.safetensors;

import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.TensorInfo;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.graft.connectors.safetensors.CheckpointFormatException.printable;

/**
 * A parsed and validated safetensors header: every tensor with its place in the data, and the
 * string metadata.
 *
 * <p>{@link #parse} checks everything the header alone can show: the length against the file,
 * well-formed UTF-8 JSON that is an object, known dtypes, non-negative dimensions, offsets inside
 * the data, byte lengths matching shape × dtype size (overflow-safe), tensors contiguous and
 * non-overlapping and covering the data, no duplicate names, string-valued metadata.
 *
 * @param tensors tensors in header order
 * @param metadata the {@code __metadata__} map (empty when absent)
 * @param dataStart file offset of the first data byte ({@code 8 + header length})
 * @param dataLength bytes of data
 */
public record SafetensorsHeader(
        List<Entry> tensors, Map<String, String> metadata, long dataStart, long dataLength) {

    /** Largest header Graft reads, as the reference implementation: 100 MB. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The metadata key of the format. */
    public static final String METADATA_KEY = "__metadata__";

    /** A tensor and its byte range in the data. */
    public record Entry(TensorInfo info, long begin, long end) {}

    private static final JsonFactory JSON =
            JsonFactory.builder()
                    .streamReadConstraints(
                            StreamReadConstraints.builder()
                                    .maxNestingDepth(64)
                                    .maxNumberLength(64)
                                    .maxStringLength(1 << 20)
                                    .build())
                    .build();

    public SafetensorsHeader {
        tensors = List.copyOf(tensors);
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * Reads the 8-byte header length at the start of {@code file} and checks it against the file
     * size and {@code maxHeaderBytes}, before anything is allocated from it.
     *
     * @param prefix the file's first 8 bytes (or fewer, for a shorter file)
     * @return the header length
     */
    static long headerLength(String file, long fileSize, ByteBuffer prefix, long maxHeaderBytes)
            throws CheckpointFormatException {
        if (fileSize < 8) {
            throw new CheckpointFormatException(
                    file,
                    null,
                    "file is "
                            + fileSize
                            + " bytes; a safetensors file starts with an 8-byte little-endian"
                            + " header length");
        }
        long n = prefix.order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (n < 0 || n > fileSize - 8) {
            throw new CheckpointFormatException(
                    file,
                    null,
                    "header length "
                            + Long.toUnsignedString(n)
                            + " exceeds the "
                            + (fileSize - 8)
                            + " bytes after it (file size "
                            + fileSize
                            + "); the file is truncated or not safetensors");
        }
        if (n > maxHeaderBytes) {
            throw new CheckpointFormatException(
                    file,
                    null,
                    "header length "
                            + n
                            + " exceeds the limit of "
                            + maxHeaderBytes
                            + " bytes; the file is not a safetensors file Graft reads");
        }
        if (n < 2) {
            throw new CheckpointFormatException(
                    file,
                    null,
                    "header length is " + n + "; the header must hold at least a JSON object {}");
        }
        return n;
    }

    /**
     * Parses and validates a header.
     *
     * @param file the file's name, for messages
     * @param fileSize the file's size in bytes
     * @param json the header bytes (position to limit), already checked by {@link #headerLength}
     */
    static SafetensorsHeader parse(String file, long fileSize, ByteBuffer json)
            throws CheckpointFormatException {
        long dataStart = 8L + json.remaining();
        long dataLength = fileSize - dataStart;
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        boolean sawMetadata = false;
        try (JsonParser p = JSON.createParser(strictUtf8(json))) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new CheckpointFormatException(
                        file,
                        null,
                        "header is not a JSON object (it starts with "
                                + describe(first)
                                + "); expected {\"<tensor>\": {\"dtype\": …}, …}");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals(METADATA_KEY)) {
                    if (sawMetadata) {
                        throw new CheckpointFormatException(
                                file, null, "duplicate key " + METADATA_KEY);
                    }
                    sawMetadata = true;
                    readMetadata(file, p, metadata);
                    continue;
                }
                if (!names.add(name)) {
                    throw new CheckpointFormatException(
                            file, name, "duplicate tensor name; every name must be unique");
                }
                entries.add(readEntry(file, name, p, dataLength));
            }
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw new CheckpointFormatException(
                        file,
                        null,
                        "header has content after its JSON object ("
                                + describe(trailing)
                                + "); only space padding may follow");
            }
        } catch (CheckpointFormatException e) {
            throw e;
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(
                    file,
                    null,
                    "header is not well-formed JSON: " + oneLine(e.getOriginalMessage()),
                    e);
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(file, null, "header is not valid UTF-8", e);
        } catch (IOException e) {
            throw new CheckpointFormatException(
                    file, null, "header cannot be read: " + oneLine(e.getMessage()), e);
        }
        checkCoverage(file, entries, dataLength);
        return new SafetensorsHeader(entries, metadata, dataStart, dataLength);
    }

    private static Entry readEntry(String file, String name, JsonParser p, long dataLength)
            throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new CheckpointFormatException(
                    file,
                    name,
                    "entry is "
                            + describe(p.currentToken())
                            + "; expected an object with dtype, shape and data_offsets");
        }
        DType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken value = p.nextToken();
            switch (key) {
                case "dtype" -> {
                    if (dtype != null) {
                        throw new CheckpointFormatException(file, name, "duplicate key dtype");
                    }
                    if (value != JsonToken.VALUE_STRING) {
                        throw new CheckpointFormatException(
                                file, name, "dtype is " + describe(value) + "; expected a string");
                    }
                    String text = p.getText();
                    dtype =
                            DType.parse(text)
                                    .orElseThrow(
                                            () ->
                                                    new CheckpointFormatException(
                                                            file,
                                                            name,
                                                            "unknown dtype '"
                                                                    + printable(text)
                                                                    + "'; expected one of "
                                                                    + DType.allNames()));
                }
                case "shape" -> {
                    if (shape != null) {
                        throw new CheckpointFormatException(file, name, "duplicate key shape");
                    }
                    shape = readLongs(file, name, "shape", p, -1);
                    for (long d : shape) {
                        if (d < 0) {
                            throw new CheckpointFormatException(
                                    file,
                                    name,
                                    "shape "
                                            + Arrays.toString(shape)
                                            + " has a negative dimension");
                        }
                    }
                }
                case "data_offsets" -> {
                    if (offsets != null) {
                        throw new CheckpointFormatException(
                                file, name, "duplicate key data_offsets");
                    }
                    offsets = readLongs(file, name, "data_offsets", p, 2);
                }
                default ->
                        throw new CheckpointFormatException(
                                file,
                                name,
                                "unknown key '"
                                        + printable(key)
                                        + "'; expected only dtype, shape and data_offsets");
            }
        }
        if (dtype == null || shape == null || offsets == null) {
            throw new CheckpointFormatException(
                    file,
                    name,
                    "entry lacks "
                            + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets")
                            + "; expected dtype, shape and data_offsets");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin < 0 || end < begin) {
            throw new CheckpointFormatException(
                    file,
                    name,
                    "data_offsets "
                            + Arrays.toString(offsets)
                            + " are not a range [begin, end] with 0 <= begin <= end");
        }
        if (end > dataLength) {
            throw new CheckpointFormatException(
                    file,
                    name,
                    "data_offsets "
                            + Arrays.toString(offsets)
                            + " end outside the data, which is "
                            + dataLength
                            + " bytes");
        }
        long byteLength;
        try {
            byteLength = TensorInfo.byteLength(name, dtype, shape);
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(
                    file,
                    name,
                    "shape "
                            + Arrays.toString(shape)
                            + " × "
                            + dtype.byteSize()
                            + " bytes ("
                            + dtype
                            + ") overflows a 64-bit byte length");
        }
        if (byteLength != end - begin) {
            throw new CheckpointFormatException(
                    file,
                    name,
                    "shape "
                            + Arrays.toString(shape)
                            + " × "
                            + dtype.byteSize()
                            + " bytes ("
                            + dtype
                            + ") = "
                            + byteLength
                            + " bytes, but data_offsets "
                            + Arrays.toString(offsets)
                            + " span "
                            + (end - begin));
        }
        return new Entry(new TensorInfo(name, dtype, shape), begin, end);
    }

    private static long[] readLongs(
            String file, String tensor, String key, JsonParser p, int exactLength)
            throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new CheckpointFormatException(
                    file,
                    tensor,
                    key + " is " + describe(p.currentToken()) + "; expected an array of integers");
        }
        long[] values = new long[4];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw new CheckpointFormatException(
                        file,
                        tensor,
                        key + " holds " + describe(t) + "; expected non-negative integers");
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw new CheckpointFormatException(
                        file,
                        tensor,
                        key + " holds " + oneLine(p.getText()) + ", beyond a 64-bit integer");
            }
            if (n == values.length) {
                values = Arrays.copyOf(values, n * 2);
            }
            values[n++] = p.getLongValue();
        }
        if (exactLength >= 0 && n != exactLength) {
            throw new CheckpointFormatException(
                    file,
                    tensor,
                    key + " has " + n + " values; expected " + exactLength + " [begin, end]");
        }
        return Arrays.copyOf(values, n);
    }

    private static void readMetadata(String file, JsonParser p, Map<String, String> out)
            throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return;
        }
        if (t != JsonToken.START_OBJECT) {
            throw new CheckpointFormatException(
                    file,
                    null,
                    METADATA_KEY + " is " + describe(t) + "; expected an object of strings");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            if (v != JsonToken.VALUE_STRING) {
                throw new CheckpointFormatException(
                        file,
                        null,
                        METADATA_KEY
                                + " value of key '"
                                + printable(key)
                                + "' is "
                                + describe(v)
                                + "; every metadata value must be a string");
            }
            if (out.put(key, p.getText()) != null) {
                throw new CheckpointFormatException(
                        file, null, METADATA_KEY + " has duplicate key '" + printable(key) + "'");
            }
        }
    }

    private static void checkCoverage(String file, List<Entry> entries, long dataLength)
            throws CheckpointFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin() < expected) {
                throw new CheckpointFormatException(
                        file,
                        e.info().name(),
                        "data_offsets ["
                                + e.begin()
                                + ", "
                                + e.end()
                                + "] overlap tensor '"
                                + printable(previous.info().name())
                                + "' ["
                                + previous.begin()
                                + ", "
                                + previous.end()
                                + "]");
            }
            if (e.begin() > expected) {
                throw new CheckpointFormatException(
                        file,
                        e.info().name(),
                        "data_offsets ["
                                + e.begin()
                                + ", "
                                + e.end()
                                + "] leave a gap of "
                                + (e.begin() - expected)
                                + " bytes after "
                                + (previous == null
                                        ? "the start of the data"
                                        : "tensor '" + printable(previous.info().name()) + "'")
                                + "; tensors must be contiguous");
            }
            expected = e.end();
            previous = e;
        }
        if (expected != dataLength) {
            throw new CheckpointFormatException(
                    file,
                    null,
                    "tensors cover "
                            + expected
                            + " bytes of data but the file holds "
                            + dataLength
                            + " after the header; "
                            + (dataLength - expected)
                            + " bytes belong to no tensor");
        }
    }

    private static Reader strictUtf8(ByteBuffer bytes) {
        ByteBuffer b = bytes.slice();
        InputStream in =
                new InputStream() {
                    @Override
                    public int read() {
                        return b.hasRemaining() ? b.get() & 0xFF : -1;
                    }

                    @Override
                    public int read(byte[] dst, int off, int len) {
                        if (!b.hasRemaining()) {
                            return -1;
                        }
                        int n = Math.min(len, b.remaining());
                        b.get(dst, off, n);
                        return n;
                    }
                };
        return new InputStreamReader(
                in,
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT));
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a fractional number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : "'" + t.asString() + "'";
        };
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String line = s.replaceAll("\\s+", " ").trim();
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
