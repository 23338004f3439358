package dev.graft.connectors.safetensors;

import dev.graft.growth.tensor.FloatCodec;
import dev.graft.growth.tensor.TensorInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * One safetensors file, opened for reading. Opening reads and validates the header only; a tensor's
 * data is memory-mapped when it is asked for, never the whole file, so files larger than the heap
 * are fine. Every read checks that the tensor's floats are finite.
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(Path.of("model.safetensors"))) {
 *     float[] w = f.readFloats("wte.weight");
 * }
 * }</pre>
 *
 * <p>Not thread-safe for {@link #close()}; reads may run concurrently.
 */
public final class SafetensorsFile implements SafetensorsSource {

    private final Path path;
    private final String displayName;
    private final FileChannel channel;
    private final SafetensorsHeader header;
    private final List<TensorInfo> tensors;
    private final Map<String, SafetensorsHeader.Entry> byName;
    private volatile boolean closed;

    private SafetensorsFile(Path path, FileChannel channel, SafetensorsHeader header) {
        this.path = path;
        this.displayName = path.toString();
        this.channel = channel;
        this.header = header;
        this.tensors = new ArrayList<>(header.tensors().size());
        this.byName = new HashMap<>();
        for (SafetensorsHeader.Entry e : header.tensors()) {
            tensors.add(e.info());
            byName.put(e.info().name(), e);
        }
    }

    /** Opens and validates the header of {@code path}, with the 100 MB header limit. */
    public static SafetensorsFile open(Path path) throws IOException {
        return open(path, SafetensorsHeader.MAX_HEADER_BYTES);
    }

    /**
     * Opens and validates the header of {@code path}, refusing headers over {@code maxHeaderBytes}.
     */
    public static SafetensorsFile open(Path path, long maxHeaderBytes) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            String name = path.toString();
            long size = channel.size();
            ByteBuffer prefix = ByteBuffer.allocate(8);
            while (prefix.hasRemaining() && channel.read(prefix, prefix.position()) > 0) {
                // fill the 8-byte prefix
            }
            long n = SafetensorsHeader.headerLength(name, size, prefix.flip(), maxHeaderBytes);
            // Mapped, not copied: a large header costs no heap while it is parsed.
            ByteBuffer json = channel.map(FileChannel.MapMode.READ_ONLY, 8, n);
            SafetensorsHeader header = SafetensorsHeader.parse(name, size, json);
            return new SafetensorsFile(path, channel, header);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** The validated header. */
    public SafetensorsHeader header() {
        return header;
    }

    @Override
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors);
    }

    @Override
    public Map<String, String> metadata() {
        return header.metadata();
    }

    @Override
    public List<Path> files() {
        return List.of(path);
    }

    @Override
    public Path fileOf(String tensor) {
        entry(tensor);
        return path;
    }

    @Override
    public java.util.Optional<TensorInfo> find(String name) {
        SafetensorsHeader.Entry e = byName.get(name);
        return e == null ? java.util.Optional.empty() : java.util.Optional.of(e.info());
    }

    /**
     * The tensor's bytes, mapped read-only from the file.
     *
     * @throws CheckpointFormatException if a float in it is NaN or infinite
     */
    @Override
    public ByteBuffer readRaw(String name) throws IOException {
        ByteBuffer data = map(entry(name));
        checkFinite(name, data);
        return data;
    }

    /** The tensor's bytes, mapped, without the finiteness check (for copying as-is). */
    public ByteBuffer readRawUnchecked(String name) throws IOException {
        return map(entry(name));
    }

    @Override
    public void transferRaw(String name, FileChannel target, long position) throws IOException {
        SafetensorsHeader.Entry e = entry(name);
        TensorInfo info = e.info();
        ByteBuffer data = map(e);
        int length = data.remaining();
        int elementBytes = info.dtype().byteSize();
        for (int from = 0, n; from < length; from += n) {
            n = sliceBytes(position + from, elementBytes, length - from); // whole target pages
            ByteBuffer slice = data.slice(from, n);
            long bad = FloatCodec.firstNonFinite(slice, info.dtype());
            if (bad >= 0) {
                throw nonFinite(info, from / elementBytes + bad);
            }
            long at = position + from;
            while (slice.hasRemaining()) {
                at += target.write(slice, at);
            }
        }
    }

    /**
     * Length of the slice that starts at byte {@code fileOffset} of the file written, for {@link
     * #transferRaw} and the writer's {@code writeRaw}: it ends where a multiple of {@link
     * #TRANSFER_SLICE_BYTES} does in the file, so that the slices after the first copy whole pages,
     * moved back to a whole number of elements (a tensor may start at any byte: safetensors does
     * not align them), and no longer than {@code remaining}.
     */
    static int sliceBytes(long fileOffset, int elementBytes, long remaining) {
        long n = TRANSFER_SLICE_BYTES - fileOffset % TRANSFER_SLICE_BYTES;
        if (n < elementBytes) {
            n += TRANSFER_SLICE_BYTES;
        }
        n -= n % elementBytes;
        return (int) Math.min(n, remaining);
    }

    @Override
    public float[] readFloats(String name) throws IOException {
        SafetensorsHeader.Entry e = entry(name);
        TensorInfo info = e.info();
        long count = info.elementCount();
        if (!info.dtype().isComputable() || count > Integer.MAX_VALUE - 8) {
            return SafetensorsSource.super.readFloats(name); // throws the explanatory error
        }
        float[] out = new float[(int) count];
        // Decoded straight into the result and checked in the same pass.
        int bad = FloatCodec.decodeFinite(map(e), info.dtype(), out, 0, out.length);
        if (bad >= 0) {
            throw nonFinite(info, bad);
        }
        return out;
    }

    private ByteBuffer map(SafetensorsHeader.Entry e) throws IOException {
        long length = e.end() - e.begin();
        if (length == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer();
        }
        if (length > Integer.MAX_VALUE) {
            throw new CheckpointFormatException(
                    displayName,
                    e.info().name(),
                    "is "
                            + length
                            + " bytes; Graft maps tensors of up to 2 GiB. Split it or store it in"
                            + " more shards");
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, header.dataStart() + e.begin(), length)
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    private void checkFinite(String name, ByteBuffer data) throws CheckpointFormatException {
        TensorInfo info = byName.get(name).info();
        long bad = FloatCodec.firstNonFinite(data, info.dtype());
        if (bad >= 0) {
            throw nonFinite(info, bad);
        }
    }

    private CheckpointFormatException nonFinite(TensorInfo info, long index) {
        return new CheckpointFormatException(
                displayName,
                info.name(),
                info.dtype()
                        + info.shapeString()
                        + " holds a NaN or infinite value at flat index "
                        + index
                        + "; every float in a checkpoint must be finite");
    }

    private SafetensorsHeader.Entry entry(String name) {
        if (closed) {
            throw new IllegalStateException(displayName + " is closed");
        }
        SafetensorsHeader.Entry e = byName.get(name);
        if (e == null) {
            throw new NoSuchElementException(
                    displayName
                            + ": no tensor '"
                            + CheckpointFormatException.printable(name)
                            + "' among its "
                            + tensors.size()
                            + " tensors");
        }
        return e;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        channel.close();
    }
}
