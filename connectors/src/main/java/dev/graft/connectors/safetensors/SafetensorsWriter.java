package dev.graft.connectors.safetensors;

import dev.graft.growth.tensor.FloatCodec;
import dev.graft.growth.tensor.TensorInfo;
import dev.graft.growth.tensor.TensorSink;
import dev.graft.growth.tensor.TensorSource;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static dev.graft.connectors.safetensors.CheckpointFormatException.printable;

/**
 * Writes one safetensors file, streaming. The tensors are declared up front, so the header (with
 * every offset) is written first and each tensor goes straight to its place in the file, in any
 * order; nothing is buffered beyond one 256 KiB direct buffer (and {@link FloatCodec}'s scratch of
 * 64 Ki elements), and each chunk is converted and checked in one pass. Tensors kept as stored are
 * copied file to file by {@link #copyRaw}.
 *
 * <p>{@link #close()} succeeds only when every declared tensor was written; otherwise it deletes
 * the file and fails, naming what is missing. Values must be finite and fit the dtype.
 *
 * <pre>{@code
 * List<TensorInfo> tensors = List.of(new TensorInfo("w", DType.BF16, new long[] {2, 3}));
 * try (SafetensorsWriter w = SafetensorsWriter.create(path, tensors, Map.of("format", "pt"))) {
 *     w.writeFloats("w", new float[] {1, 2, 3, 4, 5, 6});
 * }
 * }</pre>
 *
 * <p>The header is padded with spaces to a multiple of 8 bytes, as the reference implementation
 * does, so the data starts aligned.
 */
public final class SafetensorsWriter implements TensorSink {

    /**
     * Converted bytes per write: small enough that the chunk is still in the core's L2 cache when
     * the kernel copies it into the file.
     */
    private static final int CHUNK_BYTES = SafetensorsSource.TRANSFER_SLICE_BYTES;

    private static final JsonFactory JSON = new JsonFactory();

    private final Path path;
    private final FileChannel channel;
    private final List<TensorInfo> tensors;
    private final Map<String, Integer> index = new HashMap<>();
    private final long[] offsets;
    private final long dataStart;
    private final long fileSize;
    private final BitSet written;
    private ByteBuffer chunk;
    private boolean closed;

    private SafetensorsWriter(
            Path path,
            FileChannel channel,
            List<TensorInfo> tensors,
            long[] offsets,
            long dataStart) {
        this.path = path;
        this.channel = channel;
        this.tensors = tensors;
        this.offsets = offsets;
        this.dataStart = dataStart;
        this.fileSize = dataStart + offsets[tensors.size()];
        this.written = new BitSet(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            index.put(tensors.get(i).name(), i);
        }
    }

    /**
     * Creates {@code path} (replacing a file there) and writes its header.
     *
     * @param tensors the tensors the file will hold, in storage order; names unique
     * @param metadata the {@code __metadata__} strings (none when empty)
     */
    public static SafetensorsWriter create(
            Path path, List<TensorInfo> tensors, Map<String, String> metadata) throws IOException {
        List<TensorInfo> list = List.copyOf(tensors);
        long[] offsets = new long[list.size() + 1];
        Map<String, Boolean> seen = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            TensorInfo t = list.get(i);
            if (t.name().equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException(
                        "a tensor cannot be named " + SafetensorsHeader.METADATA_KEY);
            }
            if (seen.put(t.name(), Boolean.TRUE) != null) {
                throw new IllegalArgumentException(
                        "tensor '" + printable(t.name()) + "' is declared twice for " + path);
            }
            offsets[i + 1] = Math.addExact(offsets[i], t.byteLength());
        }
        byte[] header = header(list, offsets, metadata);
        FileChannel channel =
                FileChannel.open(
                        path,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
        try {
            ByteBuffer prefix =
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            writeFully(channel, prefix.flip(), 0);
            writeFully(channel, ByteBuffer.wrap(header), 8);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(path);
            throw e;
        }
        return new SafetensorsWriter(path, channel, list, offsets, 8L + header.length);
    }

    /** The file's size once complete. */
    public long fileSize() {
        return fileSize;
    }

    /** The file being written. */
    public Path path() {
        return path;
    }

    @Override
    public List<TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public void writeFloats(String name, float[] values) throws IOException {
        int i = slot(name);
        TensorInfo t = tensors.get(i);
        if (!t.dtype().isComputable()) {
            throw new IllegalArgumentException(
                    "tensor '"
                            + printable(name)
                            + "' is declared "
                            + t.dtype()
                            + "; floats are written to F32, F16 or BF16 tensors only. Use"
                            + " writeRaw");
        }
        if (values.length != t.elementCount()) {
            throw new IllegalArgumentException(
                    "tensor '"
                            + printable(name)
                            + "' "
                            + t.dtype()
                            + t.shapeString()
                            + " has "
                            + t.elementCount()
                            + " elements; got "
                            + values.length
                            + " values");
        }
        // One pass: each chunk is converted into the direct buffer and checked while converted
        // (a NaN or infinite value, or one that overflows the dtype, encodes to a non-finite one).
        ByteBuffer buf = chunk();
        int perChunk = CHUNK_BYTES / t.dtype().byteSize();
        long position = dataStart + offsets[i];
        for (int from = 0; from < values.length; from += perChunk) {
            int n = Math.min(perChunk, values.length - from);
            buf.clear();
            int bad = FloatCodec.encodeFinite(values, from, n, t.dtype(), buf);
            if (bad >= 0) {
                throw notFinite(t, values, from + bad);
            }
            buf.flip();
            position += writeFully(channel, buf, position);
        }
        written.set(i);
    }

    private static IllegalArgumentException notFinite(TensorInfo t, float[] values, int index) {
        float v = values[index];
        if (!Float.isFinite(v)) {
            return new IllegalArgumentException(
                    "tensor '"
                            + printable(t.name())
                            + "' "
                            + t.dtype()
                            + t.shapeString()
                            + ": value at flat index "
                            + index
                            + " is NaN or infinite; checkpoints hold finite values only");
        }
        return new IllegalArgumentException(
                "tensor '"
                        + printable(t.name())
                        + "': value "
                        + v
                        + " at flat index "
                        + index
                        + " is beyond the range of "
                        + t.dtype()
                        + "; store the tensor as F32");
    }

    @Override
    public void writeRaw(String name, ByteBuffer data) throws IOException {
        int i = slot(name);
        TensorInfo t = tensors.get(i);
        if (data.remaining() != t.byteLength()) {
            throw new IllegalArgumentException(
                    "tensor '"
                            + printable(name)
                            + "' "
                            + t.dtype()
                            + t.shapeString()
                            + " is "
                            + t.byteLength()
                            + " bytes; got "
                            + data.remaining());
        }
        // Checked and written a slice at a time, so the write reads each slice from the cache the
        // check just warmed. A non-finite value leaves the tensor unwritten (close() then fails),
        // whatever slices went to the file before it.
        ByteBuffer rest = data.duplicate();
        long position = dataStart + offsets[i];
        int elementBytes = t.dtype().byteSize();
        long done = 0;
        while (rest.hasRemaining()) {
            int n = SafetensorsFile.sliceBytes(position, elementBytes, rest.remaining());
            ByteBuffer slice = rest.slice(rest.position(), n);
            long bad = FloatCodec.firstNonFinite(slice, t.dtype());
            if (bad >= 0) {
                throw new IllegalArgumentException(
                        "tensor '"
                                + printable(name)
                                + "' "
                                + t.dtype()
                                + t.shapeString()
                                + ": value at flat index "
                                + (done / elementBytes + bad)
                                + " is NaN or infinite; checkpoints hold finite values only");
            }
            position += writeFully(channel, slice, position);
            rest.position(rest.position() + n);
            done += n;
        }
        written.set(i);
    }

    /**
     * Copies the tensor file to file when {@code source} is a safetensors checkpoint ({@link
     * SafetensorsSource#transferRaw}); otherwise as {@link TensorSink#copyRaw} does.
     */
    @Override
    public void copyRaw(String name, TensorSource source, String sourceName) throws IOException {
        int i = slot(name);
        if (!(source instanceof SafetensorsSource safetensors)) {
            TensorSink.super.copyRaw(name, source, sourceName);
            return;
        }
        TensorSink.checkCopyable(this, name, source, sourceName);
        safetensors.transferRaw(sourceName, channel, dataStart + offsets[i]);
        written.set(i);
    }

    /**
     * Completes the file: fails, deleting it, unless every declared tensor was written.
     *
     * @throws CheckpointFormatException naming the tensors not written
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        int missing = tensors.size() - written.cardinality();
        channel.close();
        if (missing > 0) {
            Files.deleteIfExists(path);
            List<String> names = new ArrayList<>();
            for (int i = written.nextClearBit(0);
                    i < tensors.size() && names.size() < 10;
                    i = written.nextClearBit(i + 1)) {
                names.add("'" + printable(tensors.get(i).name()) + "'");
            }
            throw new CheckpointFormatException(
                    path.toString(),
                    null,
                    missing
                            + " declared tensor(s) were never written ("
                            + String.join(", ", names)
                            + (missing > names.size() ? ", …" : "")
                            + "); the file was deleted");
        }
    }

    /** Closes without completing and deletes the file. */
    public void abort() throws IOException {
        closed = true;
        channel.close();
        Files.deleteIfExists(path);
    }

    private int slot(String name) {
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
        Integer i = index.get(Objects.requireNonNull(name, "name"));
        if (i == null) {
            throw new IllegalArgumentException(
                    "tensor '" + printable(name) + "' was not declared for " + path);
        }
        if (written.get(i)) {
            throw new IllegalArgumentException(
                    "tensor '" + printable(name) + "' was already written to " + path);
        }
        return i;
    }

    private ByteBuffer chunk() {
        if (chunk == null) {
            chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        return chunk;
    }

    private static long writeFully(FileChannel channel, ByteBuffer buf, long position)
            throws IOException {
        long start = position;
        while (buf.hasRemaining()) {
            position += channel.write(buf, position);
        }
        return position - start;
    }

    static byte[] header(List<TensorInfo> tensors, long[] offsets, Map<String, String> metadata)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart(SafetensorsHeader.METADATA_KEY);
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    g.writeStringField(m.getKey(), m.getValue());
                }
                g.writeEndObject();
            }
            for (int i = 0; i < tensors.size(); i++) {
                TensorInfo t = tensors.get(i);
                g.writeObjectFieldStart(t.name());
                g.writeStringField("dtype", t.dtype().name());
                g.writeArrayFieldStart("shape");
                for (long d : t.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offsets[i]);
                g.writeNumber(offsets[i + 1]);
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        int pad = (int) ((8 - out.size() % 8) % 8);
        for (int i = 0; i < pad; i++) {
            out.write(' ');
        }
        return out.toByteArray();
    }
}
