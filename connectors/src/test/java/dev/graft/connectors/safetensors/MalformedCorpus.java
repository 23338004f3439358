package dev.graft.connectors.safetensors;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.graft.connectors.safetensors.Bytes.f32;
import static dev.graft.connectors.safetensors.Bytes.file;
import static dev.graft.connectors.safetensors.Bytes.zeros;

/**
 * The corpus of malformed safetensors files: each case is the file's bytes and the error it must
 * produce. Generated here rather than checked in, so every case says how it was made; {@code
 * MalformedSafetensorsTest} also writes them to {@code target/malformed-corpus/} for other tools.
 */
final class MalformedCorpus {

    /** A malformed file, the tensor the error names (or null) and a fragment of the message. */
    record Case(String name, byte[] bytes, String tensor, String expectedProblem) {
        @Override
        public String toString() {
            return name;
        }
    }

    private MalformedCorpus() {}

    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\""
                + name
                + "\":{\"dtype\":\""
                + dtype
                + "\",\"shape\":"
                + shape
                + ",\"data_offsets\":["
                + begin
                + ","
                + end
                + "]}";
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        String a = entry("a", "F32", "[2]", 0, 8);
        c.add(new Case("empty file", new byte[0], null, "file is 0 bytes"));
        c.add(new Case("short prefix", new byte[] {1, 0, 0}, null, "file is 3 bytes"));
        c.add(
                new Case(
                        "header length beyond file",
                        file(1_000_000, "{}".getBytes(StandardCharsets.UTF_8), zeros(0)),
                        null,
                        "header length 1000000 exceeds the 2 bytes after it"));
        c.add(
                new Case(
                        "header length negative as signed",
                        file(-1L, "{}".getBytes(StandardCharsets.UTF_8), zeros(0)),
                        null,
                        "header length 18446744073709551615 exceeds"));
        c.add(
                new Case(
                        "header length zero",
                        file(0, new byte[0], zeros(0)),
                        null,
                        "header length is 0"));
        c.add(
                new Case(
                        "header not json",
                        file("{\"a\":", zeros(0)),
                        null,
                        "header is not well-formed JSON"));
        c.add(
                new Case(
                        "header an array",
                        file("[1,2]   ", zeros(0)),
                        null,
                        "header is not a JSON object (it starts with an array)"));
        c.add(new Case("trailing garbage", file("{} x", zeros(0)), null, "not well-formed JSON"));
        c.add(
                new Case(
                        "trailing second object",
                        file("{}{}", zeros(0)),
                        null,
                        "content after its JSON object"));
        c.add(
                new Case(
                        "invalid utf-8",
                        file(3, new byte[] {'{', (byte) 0xC3, '}'}, zeros(0)),
                        null,
                        "header is not valid UTF-8"));
        c.add(
                new Case(
                        "entry not object",
                        file("{\"a\":3}", zeros(0)),
                        "a",
                        "entry is an integer"));
        c.add(
                new Case(
                        "unknown dtype",
                        file("{" + entry("a", "F128", "[2]", 0, 8) + "}", zeros(8)),
                        "a",
                        "unknown dtype 'F128'; expected one of BOOL"));
        c.add(
                new Case(
                        "dtype not string",
                        file("{\"a\":{\"dtype\":4,\"shape\":[],\"data_offsets\":[0,4]}}", zeros(4)),
                        "a",
                        "dtype is an integer; expected a string"));
        c.add(
                new Case(
                        "negative dimension",
                        file("{" + entry("a", "F32", "[-2]", 0, 8) + "}", zeros(8)),
                        "a",
                        "shape [-2] has a negative dimension"));
        c.add(
                new Case(
                        "fractional dimension",
                        file("{" + entry("a", "F32", "[2.5]", 0, 8) + "}", zeros(8)),
                        "a",
                        "shape holds a fractional number"));
        c.add(
                new Case(
                        "huge dimension",
                        file(
                                "{" + entry("a", "F32", "[99999999999999999999]", 0, 8) + "}",
                                zeros(8)),
                        "a",
                        "beyond a 64-bit integer"));
        c.add(
                new Case(
                        "shape overflow",
                        file(
                                "{" + entry("a", "F32", "[4294967296,4294967296]", 0, 8) + "}",
                                zeros(8)),
                        "a",
                        "overflows a 64-bit byte length"));
        c.add(
                new Case(
                        "byte length mismatch",
                        file("{" + entry("a", "F32", "[3]", 0, 8) + "}", zeros(8)),
                        "a",
                        "shape [3] × 4 bytes (F32) = 12 bytes, but data_offsets [0, 8] span 8"));
        c.add(
                new Case(
                        "offsets reversed",
                        file("{" + entry("a", "F32", "[0]", 8, 0) + "}", zeros(8)),
                        "a",
                        "are not a range [begin, end]"));
        c.add(
                new Case(
                        "offsets outside data",
                        file("{" + entry("a", "F32", "[4]", 0, 16) + "}", zeros(8)),
                        "a",
                        "end outside the data, which is 8 bytes"));
        c.add(
                new Case(
                        "three offsets",
                        file(
                                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}",
                                zeros(8)),
                        "a",
                        "data_offsets has 3 values"));
        c.add(
                new Case(
                        "missing data_offsets",
                        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", zeros(8)),
                        "a",
                        "entry lacks data_offsets"));
        c.add(
                new Case(
                        "unknown key",
                        file(
                                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}",
                                zeros(8)),
                        "a",
                        "unknown key 'x'"));
        c.add(
                new Case(
                        "overlap",
                        file("{" + a + "," + entry("b", "F32", "[2]", 4, 12) + "}", zeros(12)),
                        "b",
                        "overlap tensor 'a'"));
        c.add(
                new Case(
                        "gap",
                        file(
                                "{"
                                        + entry("a", "F32", "[1]", 0, 4)
                                        + ","
                                        + entry("b", "F32", "[1]", 8, 12)
                                        + "}",
                                zeros(12)),
                        "b",
                        "leave a gap of 4 bytes after tensor 'a'"));
        c.add(
                new Case(
                        "gap at start",
                        file("{" + entry("a", "F32", "[1]", 4, 8) + "}", zeros(8)),
                        "a",
                        "gap of 4 bytes after the start of the data"));
        c.add(
                new Case(
                        "data not covered",
                        file("{" + a + "}", zeros(12)),
                        null,
                        "tensors cover 8 bytes of data but the file holds 12"));
        c.add(
                new Case(
                        "duplicate name",
                        file("{" + a + "," + a + "}", zeros(8)),
                        "a",
                        "duplicate tensor name"));
        c.add(
                new Case(
                        "metadata not object",
                        file("{\"__metadata__\":[1]," + a + "}", f32(1, 2)),
                        null,
                        "__metadata__ is an array; expected an object of strings"));
        c.add(
                new Case(
                        "metadata value not string",
                        file("{\"__metadata__\":{\"format\":1}," + a + "}", f32(1, 2)),
                        null,
                        "__metadata__ value of key 'format' is an integer; every metadata value must be a string"));
        c.add(
                new Case(
                        "deep nesting",
                        file("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}", zeros(0)),
                        "a",
                        "entry is an array"));
        c.add(
                new Case(
                        "deep nesting in metadata",
                        file(
                                "{\"__metadata__\":{\"k\":"
                                        + "[".repeat(5000)
                                        + "]".repeat(5000)
                                        + "}}",
                                zeros(0)),
                        null,
                        "value of key 'k' is an array"));
        c.add(
                new Case(
                        "nan value",
                        file("{" + a + "}", f32(1, Float.NaN)),
                        "a",
                        "NaN or infinite value at flat index 1"));
        c.add(
                new Case(
                        "infinite f16",
                        file(
                                "{" + entry("h", "F16", "[2]", 0, 4) + "}",
                                new byte[] {0, 0, 0, 0x7C}),
                        "h",
                        "NaN or infinite value at flat index 1"));
        c.add(
                new Case(
                        "nan f8_e4m3",
                        file(
                                "{" + entry("q", "F8_E4M3", "[3]", 0, 3) + "}",
                                new byte[] {0, 0x7F, 0}),
                        "q",
                        "NaN or infinite value at flat index 1"));
        return c;
    }
}
