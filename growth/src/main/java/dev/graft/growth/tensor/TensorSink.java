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

    /** Commits the tensors; fails if a declared tensor was not written. */
    @Override
    void close() throws IOException;
}
