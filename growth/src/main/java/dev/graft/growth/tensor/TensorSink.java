package dev.graft.growth.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Where tensors go, one at a time. The tensors are declared when the sink is created ({@link
 * #tensors()}: names, shapes and the dtype each is stored as), written in any order, and committed
 * by {@link #close()}, which fails unless every declared tensor was written exactly once.
 *
 * <pre>{@code
 * try (TensorSink sink = SafetensorsCheckpoint.create(dir, tensors, Map.of(), shardBytes)) {
 *     sink.writeFloats("wte.weight", values); // converted to the declared dtype
 * }
 * }</pre>
 */
public interface TensorSink extends AutoCloseable {

    /** The declared tensors, in storage order. */
    List<TensorInfo> tensors();

    /**
     * Writes F32 values, converted to the tensor's declared dtype (F32, F16 or BF16) with
     * round-to-nearest-even.
     *
     * @throws IllegalArgumentException if the tensor was not declared, was written already, the
     *     number of values differs from its element count, or a value is not finite (or overflows
     *     the dtype)
     */
    void writeFloats(String name, float[] values) throws IOException;

    /**
     * Writes the tensor's bytes as stored (little-endian elements of its declared dtype), from the
     * buffer's position to its limit, which must be exactly the tensor's byte length.
     */
    void writeRaw(String name, ByteBuffer data) throws IOException;

    /**
     * Writes tensor {@code name} as a byte-for-byte copy of tensor {@code sourceName} of {@code
     * source}, which must have the same dtype and byte length: what a transform does with a tensor
     * it keeps as stored. The source's values are checked as {@link TensorSource#readRaw} checks
     * them. This default is {@code writeRaw(name, source.readRaw(sourceName))}; a sink that can
     * copy file to file without the bytes passing through the JVM overrides it.
     *
     * <pre>{@code
     * sink.copyRaw("h.0.ln_1.weight", source, "h.0.ln_1.weight");
     * }</pre>
     *
     * @throws IllegalArgumentException if the dtypes or byte lengths differ, or as {@link
     *     #writeRaw}
     */
    default void copyRaw(String name, TensorSource source, String sourceName) throws IOException {
        checkCopyable(this, name, source, sourceName);
        writeRaw(name, source.readRaw(sourceName));
    }

    /**
     * The check {@link #copyRaw} makes before copying: the target is declared in {@code sink} with
     * the source's dtype and byte length.
     *
     * @throws IllegalArgumentException naming both tensors, their dtypes and shapes
     */
    static void checkCopyable(
            TensorSink sink, String name, TensorSource source, String sourceName) {
        TensorInfo from = source.info(sourceName);
        TensorInfo to =
                sink.tensors().stream()
                        .filter(t -> t.name().equals(name))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "tensor '" + name + "' was not declared"));
        if (from.dtype() != to.dtype() || from.byteLength() != to.byteLength()) {
            throw new IllegalArgumentException(
                    "tensor '"
                            + name
                            + "' "
                            + to.dtype()
                            + to.shapeString()
                            + " cannot be copied as stored from '"
                            + sourceName
                            + "' "
                            + from.dtype()
                            + from.shapeString()
                            + ": dtypes and byte lengths must match. Use writeFloats to convert");
        }
    }

    /** Commits the tensors; fails if a declared tensor was not written. */
    @Override
    void close() throws IOException;
}
