package dev.graft.connectors.safetensors;

import dev.graft.connectors.LocalFiles;
import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.TensorInfo;
import dev.graft.growth.tensor.TensorSink;
import dev.graft.growth.tensor.TensorSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link TensorSink#copyRaw}: the file-to-file copy of tensors kept as stored ({@link
 * SafetensorsSource#transferRaw}) and the slice-at-a-time {@code writeRaw}, against the bytes
 * written.
 */
class SafetensorsCopyRawTest {

    @TempDir Path dir;

    /** Larger than a transfer slice, and not a multiple of it, for each float dtype and one int. */
    private static List<TensorInfo> tensors() {
        int slice = SafetensorsSource.TRANSFER_SLICE_BYTES;
        List<TensorInfo> tensors = new ArrayList<>();
        tensors.add(new TensorInfo("f32", DType.F32, new long[] {3, slice / 4 / 3 * 2 + 5}));
        tensors.add(new TensorInfo("bf16", DType.BF16, new long[] {slice + 3}));
        // Starts two bytes past a multiple of four (after an odd number of BF16 elements): slices
        // cut at file offsets must still cut between its elements.
        tensors.add(new TensorInfo("f32.unaligned", DType.F32, new long[] {slice / 4 + 9}));
        tensors.add(new TensorInfo("f16.small", DType.F16, new long[] {7}));
        tensors.add(new TensorInfo("i64", DType.I64, new long[] {slice / 8 + 1}));
        tensors.add(new TensorInfo("empty", DType.F32, new long[] {0, 4}));
        return tensors;
    }

    private Path writeSource(List<TensorInfo> tensors, Map<String, byte[]> data, long shardBytes)
            throws IOException {
        Path source = Files.createDirectories(dir.resolve("source"));
        SplittableRandom random = new SplittableRandom(3);
        try (ShardedSafetensorsWriter w =
                SafetensorsCheckpoint.create(source, tensors, Map.of(), shardBytes)) {
            for (TensorInfo t : tensors) {
                byte[] bytes = SafetensorsRoundTripTest.validBytes(t, random);
                data.put(t.name(), bytes);
                w.writeRaw(t.name(), ByteBuffer.wrap(bytes));
            }
        }
        return source;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void copiesEveryTensorByteForByteFromOneFileOrShardsIntoOneFileOrShards() throws IOException {
        List<TensorInfo> tensors = tensors();
        for (long sourceShards : new long[] {Long.MAX_VALUE, 1}) {
            for (long targetShards : new long[] {Long.MAX_VALUE, 1}) {
                Map<String, byte[]> data = new HashMap<>();
                Path source = writeSource(tensors, data, sourceShards);
                Path target = Files.createDirectories(dir.resolve("target"));
                try (SafetensorsSource in = SafetensorsCheckpoint.open(source);
                        ShardedSafetensorsWriter out =
                                SafetensorsCheckpoint.create(
                                        target, tensors, Map.of(), targetShards)) {
                    for (int i = tensors.size() - 1; i >= 0; i--) { // any order
                        out.copyRaw(tensors.get(i).name(), in, tensors.get(i).name());
                    }
                }
                try (SafetensorsSource back = SafetensorsCheckpoint.open(target)) {
                    for (TensorInfo t : tensors) {
                        assertThat(bytes(back.readRaw(t.name())))
                                .as("%s, shards %d → %d", t.name(), sourceShards, targetShards)
                                .isEqualTo(data.get(t.name()));
                    }
                }
                LocalFiles.deleteTree(source);
                LocalFiles.deleteTree(target);
            }
        }
    }

    @Test
    void refusesANonFiniteValueInALaterSliceNamingTheFlatIndexAndLeavesTheTensorUnwritten()
            throws IOException {
        List<TensorInfo> tensors = tensors();
        Map<String, byte[]> data = new HashMap<>();
        Path source = writeSource(tensors, data, Long.MAX_VALUE);
        Path file = source.resolve(SafetensorsCheckpoint.SINGLE_FILE);
        int slice = SafetensorsSource.TRANSFER_SLICE_BYTES;
        // +infinity past the first transfer slice of the BF16 tensor and of the unaligned F32 one.
        Map<String, Integer> planted =
                Map.of("bf16", slice / 2 + 11, "f32.unaligned", slice / 4 + 3);
        try (SafetensorsFile f = SafetensorsFile.open(file);
                FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (SafetensorsHeader.Entry e : f.header().tensors()) {
                Integer at = planted.get(e.info().name());
                if (at == null) {
                    continue;
                }
                ByteBuffer inf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                if (e.info().dtype() == DType.BF16) {
                    inf.putShort(0, (short) 0x7F80).limit(2);
                } else {
                    inf.putFloat(0, Float.POSITIVE_INFINITY);
                }
                long offset = f.header().dataStart() + e.begin();
                if (e.info().name().equals("f32.unaligned")) {
                    assertThat(offset % 4).as("the F32 tensor starts between words").isEqualTo(2);
                }
                ch.write(inf, offset + (long) e.info().dtype().byteSize() * at);
            }
        }
        Path target = Files.createDirectories(dir.resolve("target"));
        try (SafetensorsSource in = SafetensorsCheckpoint.open(source);
                SafetensorsFile raw = SafetensorsFile.open(file)) {
            SafetensorsWriter out =
                    SafetensorsWriter.create(target.resolve("t.safetensors"), tensors, Map.of());
            for (Map.Entry<String, Integer> p : planted.entrySet()) {
                TensorInfo t = in.info(p.getKey());
                assertThatThrownBy(() -> out.copyRaw(t.name(), in, t.name()))
                        .isInstanceOf(CheckpointFormatException.class)
                        .hasMessageContaining(file.toString())
                        .hasMessageContaining("'" + t.name() + "'")
                        .hasMessageContaining(t.dtype() + t.shapeString())
                        .hasMessageContaining("flat index " + p.getValue() + ";");
                // The same bytes through writeRaw: refused by the writer, at the same index.
                ByteBuffer bad = raw.readRawUnchecked(t.name());
                assertThatThrownBy(() -> out.writeRaw(t.name(), bad))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("'" + t.name() + "'")
                        .hasMessageContaining("flat index " + p.getValue() + " ");
            }
            for (TensorInfo t : tensors) {
                if (!planted.containsKey(t.name())) {
                    out.copyRaw(t.name(), in, t.name());
                }
            }
            assertThatThrownBy(out::close)
                    .isInstanceOf(CheckpointFormatException.class)
                    .hasMessageContaining("never written ('bf16', 'f32.unaligned')");
        }
    }

    /** A source that is not a safetensors checkpoint: the default copyRaw, through the heap. */
    private static TensorSource plain(SafetensorsSource in) {
        return new TensorSource() {
            @Override
            public List<TensorInfo> tensors() {
                return in.tensors();
            }

            @Override
            public Map<String, String> metadata() {
                return in.metadata();
            }

            @Override
            public ByteBuffer readRaw(String name) throws IOException {
                return in.readRaw(name);
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }

    @Test
    void copiesFromAnyTensorSourceAndRefusesADifferentDtypeOrLength() throws IOException {
        List<TensorInfo> tensors = tensors();
        Map<String, byte[]> data = new HashMap<>();
        Path source = writeSource(tensors, data, Long.MAX_VALUE);
        Path target = Files.createDirectories(dir.resolve("target"));
        List<TensorInfo> renamed = new ArrayList<>();
        for (TensorInfo t : tensors) {
            renamed.add(new TensorInfo("copy." + t.name(), t.dtype(), t.shape()));
        }
        try (SafetensorsSource in = SafetensorsCheckpoint.open(source);
                TensorSource heap = plain(in);
                ShardedSafetensorsWriter out =
                        SafetensorsCheckpoint.create(target, renamed, Map.of(), Long.MAX_VALUE)) {
            assertThatThrownBy(() -> out.copyRaw("copy.f32", in, "bf16"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'copy.f32' F32[3, ")
                    .hasMessageContaining("'bf16' BF16[")
                    .hasMessageContaining("dtypes and byte lengths must match");
            assertThatThrownBy(() -> out.copyRaw("copy.f32", heap, "bf16"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("dtypes and byte lengths must match");
            for (TensorInfo t : tensors) {
                out.copyRaw("copy." + t.name(), heap, t.name());
            }
        }
        try (SafetensorsSource back = SafetensorsCheckpoint.open(target)) {
            for (TensorInfo t : tensors) {
                assertThat(bytes(back.readRaw("copy." + t.name())))
                        .as(t.name())
                        .isEqualTo(data.get(t.name()));
            }
        }
    }
}
