package dev.graft.connectors.safetensors;

import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.TensorInfo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A seeded mutation fuzzer over the reader: valid files and the malformed corpus are mutated (bit
 * flips, byte overwrites, truncation, extension, rewritten length prefixes, spliced JSON tokens)
 * and read completely. The only acceptable failure is a {@link CheckpointFormatException}; anything
 * else (another exception, an error, a hang, running out of memory) fails the test. The budget is
 * fixed (seed and time) so CI runs it on every build.
 */
class SafetensorsFuzzTest {

    private static final long SEED = 0x5AFE7E45L;
    private static final long BUDGET_MILLIS = 3_000;
    private static final String[] TOKENS = {
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "-1",
        "0",
        "18446744073709551615",
        "1e309",
        "null",
        "\"F32\"",
        "\"BF16\"",
        "\"shape\"",
        "\"data_offsets\"",
        "\"__metadata__\"",
        "\\u0000",
        "\uFFFF"
    };

    @TempDir Path dir;

    @Test
    void mutatedFilesNeverCrashTheReader() throws IOException {
        List<byte[]> seeds = new java.util.ArrayList<>();
        seeds.add(validFile(dir.resolve("seed1.safetensors"), DType.F32, DType.BF16, DType.I64));
        seeds.add(
                validFile(dir.resolve("seed2.safetensors"), DType.F16, DType.F8_E5M2, DType.BOOL));
        for (MalformedCorpus.Case c : MalformedCorpus.cases()) {
            seeds.add(c.bytes());
        }
        SplittableRandom random = new SplittableRandom(SEED);
        Path file = dir.resolve("fuzz.safetensors");
        long deadline = System.nanoTime() + BUDGET_MILLIS * 1_000_000L;
        int runs = 0;
        int accepted = 0;
        while (System.nanoTime() < deadline) {
            byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), random);
            Files.write(file, input);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                f.checkValues();
                for (TensorInfo t : f.tensors()) {
                    if (t.dtype().isComputable() && t.elementCount() < 1 << 20) {
                        f.readFloats(t.name());
                    }
                }
                accepted++;
            } catch (CheckpointFormatException expected) {
                assertThat(expected.getMessage()).doesNotContain("\n");
            } catch (Throwable t) {
                Path kept = Path.of("target", "fuzz-failure.safetensors");
                Files.write(kept, input);
                fail("reader crashed on an input kept at " + kept.toAbsolutePath() + ": " + t, t);
            }
            runs++;
        }
        assertThat(runs).as("fuzz runs in %d ms", BUDGET_MILLIS).isGreaterThan(100);
        // Some mutations keep the file valid (data bytes changed to finite values): the fuzzer
        // exercises the success path as well.
        assertThat(accepted).isPositive();
    }

    private static byte[] mutate(byte[] seed, SplittableRandom r) {
        byte[] b = seed.clone();
        int mutations = 1 + r.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            switch (r.nextInt(7)) {
                case 0 -> { // flip a bit
                    if (b.length > 0) {
                        int i = r.nextInt(b.length);
                        b[i] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 1 -> { // overwrite a byte
                    if (b.length > 0) {
                        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    }
                }
                case 2 -> b = Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length)); // truncate
                case 3 -> b = Arrays.copyOf(b, b.length + 1 + r.nextInt(64)); // extend with zeros
                case 4 -> { // rewrite the length prefix
                    if (b.length >= 8) {
                        long n =
                                switch (r.nextInt(4)) {
                                    case 0 -> r.nextLong();
                                    case 1 -> b.length - 8 + r.nextInt(-4, 5);
                                    case 2 -> r.nextInt(Math.max(1, b.length));
                                    default -> Long.MAX_VALUE;
                                };
                        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
                    }
                }
                case 5 -> { // splice a JSON token into the header region
                    byte[] token =
                            TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8);
                    int at =
                            Math.min(b.length, 8 + r.nextInt(Math.max(1, Math.min(b.length, 400))));
                    byte[] out = new byte[b.length + token.length];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(token, 0, out, at, token.length);
                    System.arraycopy(b, at, out, at + token.length, b.length - at);
                    b = out;
                }
                default -> { // change a digit in the header
                    for (int tries = 0; tries < 20 && b.length > 9; tries++) {
                        int i = 8 + r.nextInt(Math.min(b.length - 8, 400));
                        if (b[i] >= '0' && b[i] <= '9') {
                            b[i] = (byte) ('0' + r.nextInt(10));
                            break;
                        }
                    }
                }
            }
        }
        return b;
    }

    private static byte[] validFile(Path path, DType... dtypes) throws IOException {
        List<TensorInfo> tensors = new java.util.ArrayList<>();
        for (DType d : dtypes) {
            tensors.add(new TensorInfo(d.name() + ".w", d, new long[] {2, 3}));
            tensors.add(new TensorInfo(d.name() + ".s", d, new long[0]));
        }
        SplittableRandom random = new SplittableRandom(1);
        try (SafetensorsWriter w =
                SafetensorsWriter.create(path, tensors, Map.of("format", "pt"))) {
            for (TensorInfo t : tensors) {
                w.writeRaw(
                        t.name(), ByteBuffer.wrap(SafetensorsRoundTripTest.validBytes(t, random)));
            }
        }
        return Files.readAllBytes(path);
    }
}
