package dev.graft.growth.arch;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor a checkpoint of some architecture holds: its name, shape and whether it is a parameter
 * of its own or an optional copy of a tied one.
 *
 * @param tiedTo for a {@link Kind#TIED_ALIAS}, the parameter it shares storage with; else null
 */
public record ExpectedTensor(String name, long[] shape, Kind kind, String tiedTo) {

    /** How a tensor counts. */
    public enum Kind {
        /** A parameter: required, counted in the parameter count. */
        PARAMETER,
        /**
         * A tied copy of another parameter (e.g. {@code lm_head.weight} with tied embeddings):
         * optional, not counted again, its shape must match when present.
         */
        TIED_ALIAS
    }

    public ExpectedTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        shape = shape.clone();
    }

    static ExpectedTensor parameter(String name, long... shape) {
        return new ExpectedTensor(name, shape, Kind.PARAMETER, null);
    }

    static ExpectedTensor alias(String name, String tiedTo, long... shape) {
        return new ExpectedTensor(name, shape, Kind.TIED_ALIAS, tiedTo);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Whether a checkpoint must contain this tensor. */
    public boolean isRequired() {
        return kind == Kind.PARAMETER;
    }

    /** The shape as {@code [d0, d1]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExpectedTensor e
                && name.equals(e.name)
                && Arrays.equals(shape, e.shape)
                && kind == e.kind
                && Objects.equals(tiedTo, e.tiedTo);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), kind, tiedTo);
    }

    @Override
    public String toString() {
        return name + shapeString() + (tiedTo == null ? "" : " (tied to " + tiedTo + ")");
    }
}
