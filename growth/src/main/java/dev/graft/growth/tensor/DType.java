package dev.graft.growth.tensor;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The element types of the safetensors format, with their size in bytes.
 *
 * <p>The names are the ones safetensors writes in its header ({@code "BF16"}, {@code "F8_E4M3"},
 * …). {@link #isFloatingPoint()} marks the types whose values must be finite in a checkpoint Graft
 * accepts; {@link #isComputable()} marks the ones Graft converts to and from F32 for computation.
 *
 * <p>{@code DType.parse("BF16")} → {@link #BF16}; {@code DType.parse("F128")} is empty.
 */
public enum DType {
    BOOL(1, false),
    U8(1, false),
    I8(1, false),
    F8_E5M2(1, true),
    F8_E4M3(1, true),
    I16(2, false),
    U16(2, false),
    F16(2, true),
    BF16(2, true),
    I32(4, false),
    U32(4, false),
    F32(4, true),
    F64(8, true),
    I64(8, false),
    U64(8, false);

    private final int byteSize;
    private final boolean floatingPoint;

    DType(int byteSize, boolean floatingPoint) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether the type holds floating-point values (which Graft requires to be finite). */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** Whether Graft reads and writes the type as F32 for computation: F32, F16 and BF16. */
    public boolean isComputable() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The dtype with this safetensors name (case-sensitive, as the format writes it). */
    public static Optional<DType> parse(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** The names of all dtypes, comma-separated, for error messages. */
    public static String allNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
