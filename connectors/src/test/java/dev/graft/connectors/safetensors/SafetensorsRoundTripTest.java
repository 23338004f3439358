package dev.graft.connectors.safetensors;

import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.FloatCodec;
import dev.graft.growth.tensor.TensorInfo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsRoundTripTest {

    @TempDir Path dir;

    /** Random bytes that are valid values of the dtype (finite floats, 0/1 booleans). */
    static byte[] validBytes(TensorInfo t, SplittableRandom random) {
        ByteBuffer b = ByteBuffer.allocate((int) t.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            switch (t.dtype()) {
                case BOOL -> b.put((byte) random.nextInt(2));
                case F32 -> b.putFloat((float) random.nextGaussian());
                case F64 -> b.putDouble(random.nextGaussian());
                case F16 -> b.putShort(FloatCodec.f32ToF16((float) random.nextGaussian()));
                case BF16 -> b.putShort(FloatCodec.f32ToBf16((float) random.nextGaussian()));
                case F8_E5M2 ->
                        b.put((byte) (random.nextInt(256) & 0xBB)); // exponent never all ones
                case F8_E4M3 -> b.put((byte) (random.nextInt(256) & 0xFE)); // never 0x7F / 0xFF
                default -> b.put((byte) random.nextInt(256));
            }
        }
        return b.array();
    }

    static List<TensorInfo> everyDtype() {
        List<TensorInfo> tensors = new ArrayList<>();
        for (DType d : DType.values()) {
            tensors.add(new TensorInfo(d.name().toLowerCase() + ".matrix", d, new long[] {3, 5}));
            tensors.add(new TensorInfo(d.name().toLowerCase() + ".scalar", d, new long[0]));
            tensors.add(new TensorInfo(d.name().toLowerCase() + ".empty", d, new long[] {4, 0, 2}));
        }
        return tensors;
    }

    @ParameterizedTest(name = "shard size {0}")
    @ValueSource(longs = {Long.MAX_VALUE, 64, 1})
    void everyDtypeRoundTripsBitExactlyShardedOrNot(long shardBytes) throws IOException {
        List<TensorInfo> tensors = everyDtype();
        SplittableRandom random = new SplittableRandom(7);
        Map<String, byte[]> data = new HashMap<>();
        for (TensorInfo t : tensors) {
            data.put(t.name(), validBytes(t, random));
        }
        int shards;
        try (ShardedSafetensorsWriter out =
                SafetensorsCheckpoint.create(dir, tensors, Map.of("format", "pt"), shardBytes)) {
            shards = out.shardCount();
            // Any order: reversed.
            for (int i = tensors.size() - 1; i >= 0; i--) {
                out.writeRaw(
                        tensors.get(i).name(), ByteBuffer.wrap(data.get(tensors.get(i).name())));
            }
        }
        assertThat(Files.exists(dir.resolve(SafetensorsIndex.FILE_NAME))).isEqualTo(shards > 1);
        if (shardBytes == 64) {
            assertThat(shards).isBetween(2, tensors.size());
        }
        try (SafetensorsSource in = SafetensorsCheckpoint.open(dir)) {
            assertThat(in.tensors()).containsExactlyElementsOf(tensors);
            assertThat(in.metadata()).containsEntry("format", "pt");
            for (TensorInfo t : tensors) {
                ByteBuffer got = in.readRaw(t.name());
                byte[] bytes = new byte[got.remaining()];
                got.get(bytes);
                assertThat(bytes).as(t.name()).isEqualTo(data.get(t.name()));
            }
            in.checkValues();
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16"})
    void floatsRoundTripThroughTheDeclaredDtype(DType dtype) throws IOException {
        float[] values = new float[1000];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 100);
        }
        List<TensorInfo> tensors =
                List.of(
                        new TensorInfo("w", dtype, new long[] {10, 100}),
                        new TensorInfo("s", dtype, new long[0]),
                        new TensorInfo("z", dtype, new long[] {0}));
        Path file = dir.resolve("m.safetensors");
        try (SafetensorsWriter w = SafetensorsWriter.create(file, tensors, Map.of())) {
            w.writeFloats("w", values);
            w.writeFloats("s", new float[] {-3.25f});
            w.writeFloats("z", new float[0]);
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            float[] back = f.readFloats("w");
            for (int i = 0; i < values.length; i++) {
                float expected =
                        switch (dtype) {
                            case F16 -> FloatCodec.f16ToF32(FloatCodec.f32ToF16(values[i]));
                            case BF16 -> FloatCodec.bf16ToF32(FloatCodec.f32ToBf16(values[i]));
                            default -> values[i];
                        };
                assertThat(back[i]).isEqualTo(expected);
            }
            assertThat(f.readFloats("s")).containsExactly(-3.25f);
            assertThat(f.readFloats("z")).isEmpty();
            // Writing what was read gives the same bytes: conversion is stable.
            Path again = dir.resolve("again.safetensors");
            try (SafetensorsWriter w = SafetensorsWriter.create(again, f.tensors(), Map.of())) {
                for (TensorInfo t : f.tensors()) {
                    w.writeFloats(t.name(), f.readFloats(t.name()));
                }
            }
            assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(file));
        }
    }

    /** The golden file is written by numpy (make_golden.py): header layout and F16 rounding. */
    @Test
    void writesTheSameBytesAsTheNumpyReference() throws IOException {
        byte[] golden;
        String valuesText;
        try (InputStream in =
                        getClass().getResourceAsStream("/golden/numpy-reference.safetensors");
                InputStream v =
                        getClass().getResourceAsStream("/golden/numpy-reference.values.txt")) {
            golden = in.readAllBytes();
            valuesText = new String(v.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        String[] parts = valuesText.split(" ");
        float[] values = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Float.parseFloat(parts[i]);
        }
        Path file = dir.resolve("ours.safetensors");
        List<TensorInfo> tensors =
                List.of(
                        new TensorInfo("f16", DType.F16, new long[] {3, 4}),
                        new TensorInfo("f32", DType.F32, new long[] {12}),
                        new TensorInfo("i64", DType.I64, new long[] {2}),
                        new TensorInfo("scalar", DType.F32, new long[0]),
                        new TensorInfo("empty", DType.F32, new long[] {0, 3}));
        try (SafetensorsWriter w =
                SafetensorsWriter.create(file, tensors, Map.of("format", "pt"))) {
            w.writeFloats("f16", values);
            w.writeFloats("f32", values);
            w.writeRaw(
                    "i64",
                    ByteBuffer.allocate(16)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .putLong(-1)
                            .putLong(1L << 40)
                            .flip());
            w.writeFloats("scalar", new float[] {7.5f});
            w.writeFloats("empty", new float[0]);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(golden);
        Path goldenFile = dir.resolve("golden.safetensors");
        Files.write(goldenFile, golden);
        try (SafetensorsFile f = SafetensorsFile.open(goldenFile)) {
            assertThat(f.readFloats("f32")).containsExactly(values);
            assertThat(f.readFloats("f16")[4]).isEqualTo(65504f);
            assertThat(f.readFloats("f16")[10]).isEqualTo(1.0f); // tie to even
            assertThat(f.info("empty").shape()).containsExactly(0, 3);
            assertThat(f.header().dataStart() % 8).isZero();
        }
    }

    @Test
    void writerRefusesNonFiniteAndOutOfRangeValuesAndIncompleteFiles() throws IOException {
        Path file = dir.resolve("bad.safetensors");
        List<TensorInfo> tensors =
                List.of(
                        new TensorInfo("a", DType.F16, new long[] {2}),
                        new TensorInfo("b", DType.F32, new long[] {2}));
        SafetensorsWriter w = SafetensorsWriter.create(file, tensors, Map.of());
        assertThatThrownBy(() -> w.writeFloats("a", new float[] {1f, 70000f}))
                .hasMessageContaining("'a'")
                .hasMessageContaining("beyond the range of F16");
        assertThatThrownBy(() -> w.writeFloats("b", new float[] {Float.NaN, 1f}))
                .hasMessageContaining("'b'")
                .hasMessageContaining("NaN or infinite");
        assertThatThrownBy(() -> w.writeFloats("b", new float[3]))
                .hasMessageContaining("has 2 elements; got 3 values");
        assertThatThrownBy(() -> w.writeFloats("c", new float[2]))
                .hasMessageContaining("not declared");
        w.writeFloats("b", new float[] {1f, 2f});
        assertThatThrownBy(() -> w.writeFloats("b", new float[] {1f, 2f}))
                .hasMessageContaining("already written");
        assertThatThrownBy(w::close)
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("1 declared tensor(s) were never written ('a')");
        assertThat(file).doesNotExist();
    }

    @Test
    void readsTensorsLazilyAndRefusesUseAfterClose() throws IOException {
        Path file = dir.resolve("m.safetensors");
        List<TensorInfo> tensors = List.of(new TensorInfo("a", DType.F32, new long[] {2}));
        try (SafetensorsWriter w = SafetensorsWriter.create(file, tensors, Map.of())) {
            w.writeFloats("a", new float[] {1, 2});
        }
        SafetensorsFile f = SafetensorsFile.open(file);
        assertThatThrownBy(() -> f.readRaw("nope"))
                .hasMessageContaining("no tensor 'nope' among its 1");
        f.close();
        assertThatThrownBy(() -> f.readRaw("a")).hasMessageContaining("closed");
    }
}
