package dev.graft.growth.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor's name, dtype and shape (outermost dimension first, row-major).
 *
 * <p>A scalar has the empty shape and one element; a shape with a zero dimension has no elements.
 * The shape array is copied in and out, so an instance is immutable.
 *
 * <p>{@code new TensorInfo("wte.weight", DType.F32, new long[] {50257, 768}).byteLength()} is
 * {@code 154389504}.
 */
public record TensorInfo(String name, DType dtype, long[] shape) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "tensor '"
                                + name
                                + "' has a negative dimension in "
                                + Arrays.toString(shape));
            }
        }
        // Fail on overflow now, so every later size computation is safe.
        byteLength(name, dtype, shape);
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** Length of dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** Number of elements: the product of the shape (1 for a scalar, 0 with a zero dimension). */
    public long elementCount() {
        return byteLength(name, DType.U8, shape);
    }

    /** Size of the tensor's data in bytes. */
    public long byteLength() {
        return byteLength(name, dtype, shape);
    }

    /** The same tensor under another name. */
    public TensorInfo withName(String newName) {
        return new TensorInfo(newName, dtype, shape);
    }

    /** The same tensor stored as another dtype. */
    public TensorInfo withDType(DType newDType) {
        return new TensorInfo(name, newDType, shape);
    }

    /** Whether the shapes are equal. */
    public boolean hasShape(long... other) {
        return Arrays.equals(shape, other);
    }

    /**
     * Byte length of a tensor, or an {@link ArithmeticException} naming it when product(shape) ×
     * dtype size does not fit in a signed 64-bit integer.
     */
    public static long byteLength(String name, DType dtype, long[] shape) {
        for (long d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        try {
            long n = dtype.byteSize();
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        } catch (ArithmeticException e) {
            throw new ArithmeticException(
                    "tensor '"
                            + name
                            + "' of shape "
                            + Arrays.toString(shape)
                            + " and dtype "
                            + dtype
                            + " has more than 2^63 bytes");
        }
    }

    /** The shape as {@code [d0, d1]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t
                && name.equals(t.name)
                && dtype == t.dtype
                && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
