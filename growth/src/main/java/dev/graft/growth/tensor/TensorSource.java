package dev.graft.growth.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Named tensors to read, one at a time, when asked for: a source never loads a whole checkpoint, so
 * checkpoints larger than the heap can be transformed tensor by tensor.
 *
 * <p>Implementations hold files or mappings and must be closed; reading after {@link #close()}
 * fails.
 *
 * <pre>{@code
 * try (TensorSource source = SafetensorsCheckpoint.open(dir)) {
 *     float[] wte = source.readFloats("wte.weight");
 * }
 * }</pre>
 */
public interface TensorSource extends AutoCloseable {

    /** Every tensor, in storage order. */
    List<TensorInfo> tensors();

    /** Free-form string metadata stored with the tensors (safetensors {@code __metadata__}). */
    Map<String, String> metadata();

    /**
     * The tensor's data: little-endian elements of its dtype, row-major, positioned at 0 with
     * {@code remaining() == byteLength()}. The buffer may be a read-only view of a mapped file and
     * is valid until the source is closed.
     *
     * @throws NoSuchElementException if there is no such tensor
     */
    ByteBuffer readRaw(String name) throws IOException;

    /**
     * The tensor's values as F32, converted from F32, F16 or BF16.
     *
     * @throws IllegalArgumentException if the dtype is not F32, F16 or BF16, or the tensor has more
     *     than {@code Integer.MAX_VALUE - 8} elements
     */
    default float[] readFloats(String name) throws IOException {
        TensorInfo info = info(name);
        long n = info.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "tensor '"
                            + name
                            + "' "
                            + info.dtype()
                            + info.shapeString()
                            + " has "
                            + n
                            + " elements, more than a Java array holds; read it raw in slices");
        }
        float[] out = new float[(int) n];
        FloatCodec.decode(readRaw(name), info.dtype(), out, 0, out.length);
        return out;
    }

    /** The tensor with this name, if present. */
    default Optional<TensorInfo> find(String name) {
        return tensors().stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /**
     * The tensor with this name.
     *
     * @throws NoSuchElementException naming the tensor and how many the source has
     */
    default TensorInfo info(String name) {
        return find(name)
                .orElseThrow(
                        () ->
                                new NoSuchElementException(
                                        "no tensor '"
                                                + name
                                                + "' among the "
                                                + tensors().size()
                                                + " tensors of this checkpoint"));
    }

    /** Tensors by name. */
    default Map<String, TensorInfo> tensorsByName() {
        return tensors().stream()
                .collect(
                        Collectors.toMap(
                                TensorInfo::name,
                                t -> t,
                                (a, b) -> a,
                                java.util.LinkedHashMap::new));
    }

    @Override
    void close() throws IOException;
}
