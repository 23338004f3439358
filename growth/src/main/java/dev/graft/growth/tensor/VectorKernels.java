package dev.graft.growth.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The BF16 conversions and the F32 finiteness test of {@link FloatCodec} on SIMD registers, with
 * the incubating Vector API of Java 17. Single-threaded Java 17 cannot vectorise a conversion
 * between 16- and 32-bit lanes on its own (HotSpot's auto-vectoriser learned that in Java 20), and
 * those conversions are what a BF16 checkpoint costs: here they run three to six times faster than
 * the scalar loops, bit for bit the same.
 *
 * <p>Loaded only when the JVM runs with {@code --add-modules jdk.incubator.vector} (see {@link
 * FloatCodec#vectorized()}); never touch this class otherwise, its constants need the module.
 *
 * <p>Every kernel returns the OR over its elements of {@code (bits & exponentMask) + exponentOne}
 * (per 32-bit lane), as the scalar loops do: the carry bit (bit 31 for F32, bits 15 and 31 for BF16
 * pairs) is set iff an element is NaN or infinite. The caller finds the index.
 */
final class VectorKernels {

    private VectorKernels() {}

    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FLOATS =
            VectorSpecies.of(float.class, INTS.vectorShape());

    /** Half the width of {@link #INTS}: as many shorts as there are ints in a vector. */
    private static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(INTS.vectorBitSize() / 2));

    private static final int LANES = INTS.length();

    private static final VectorSpecies<Long> LONGS =
            VectorSpecies.of(long.class, INTS.vectorShape());

    /**
     * Whether the hardware has vectors wide enough to be worth it (at least four ints). Without
     * them the Vector API falls back to plain Java objects, far slower than the scalar loops.
     */
    static boolean worthwhile() {
        return LANES >= 4 && SHORTS.length() == LANES;
    }

    /**
     * Decodes {@code n} BF16 elements from {@code in} (little-endian, from byte {@code byteOffset},
     * ignoring its position) into {@code dst[off..off+n)}; returns the carry (bit 31).
     */
    static int decodeBf16(ByteBuffer in, int byteOffset, float[] dst, int off, int n) {
        IntVector carry = IntVector.zero(INTS);
        int i = 0;
        for (int end = n - LANES; i <= end; i += LANES) {
            ShortVector s =
                    ShortVector.fromByteBuffer(
                            SHORTS, in, byteOffset + 2 * i, ByteOrder.LITTLE_ENDIAN);
            IntVector bits =
                    ((IntVector) s.convertShape(VectorOperators.S2I, INTS, 0))
                            .lanewise(VectorOperators.LSHL, 16);
            carry = carry.or(bits.and(0x7F80_0000).add(0x0080_0000));
            bits.reinterpretAsFloats().intoArray(dst, off + i);
        }
        int c = carry.reduceLanes(VectorOperators.OR);
        for (; i < n; i++) {
            int bits = in.getShort(byteOffset + 2 * i) << 16;
            c |= (bits & 0x7F80_0000) + 0x0080_0000;
            dst[off + i] = Float.intBitsToFloat(bits);
        }
        return c;
    }

    /**
     * Encodes {@code src[off..off+n)} as BF16, rounding to nearest even, into {@code out}
     * (little-endian, from byte {@code byteOffset}). Returns the carry of the range test {@code
     * |bits| >= 0x7F7F8000} (bit 31): set iff an input is NaN or rounds to infinity, and then the
     * bits written for that chunk must be redone by the scalar {@link FloatCodec#f32ToBf16} (the
     * rounding add is exact only for the other inputs).
     */
    static int encodeBf16(float[] src, int off, int n, ByteBuffer out, int byteOffset) {
        IntVector carry = IntVector.zero(INTS);
        int i = 0;
        for (int end = n - LANES; i <= end; i += LANES) {
            IntVector b = FloatVector.fromArray(FLOATS, src, off + i).reinterpretAsInts();
            carry = carry.or(b.and(0x7FFF_FFFF).add(0x0080_8000));
            IntVector rounded =
                    b.add(b.lanewise(VectorOperators.LSHR, 16).and(1))
                            .add(0x7FFF)
                            .lanewise(VectorOperators.LSHR, 16);
            ((ShortVector) rounded.convertShape(VectorOperators.I2S, SHORTS, 0))
                    .intoByteBuffer(out, byteOffset + 2 * i, ByteOrder.LITTLE_ENDIAN);
        }
        int c = carry.reduceLanes(VectorOperators.OR);
        for (; i < n; i++) {
            int b = Float.floatToRawIntBits(src[off + i]);
            c |= (b & 0x7FFF_FFFF) + 0x0080_8000;
            out.putShort(byteOffset + 2 * i, (short) ((b + 0x7FFF + ((b >>> 16) & 1)) >>> 16));
        }
        return c;
    }

    /** The F32 exponent carry (bit 31) of {@code values[off..off+n)}. */
    static int f32Carry(float[] values, int off, int n) {
        IntVector carry = IntVector.zero(INTS);
        int i = 0;
        for (int end = n - LANES; i <= end; i += LANES) {
            IntVector b = FloatVector.fromArray(FLOATS, values, off + i).reinterpretAsInts();
            carry = carry.or(b.and(0x7F80_0000).add(0x0080_0000));
        }
        int c = carry.reduceLanes(VectorOperators.OR);
        for (; i < n; i++) {
            c |= (Float.floatToRawIntBits(values[off + i]) & 0x7F80_0000) + 0x0080_0000;
        }
        return c;
    }

    /**
     * The OR of {@code (word & mask) + one} over {@code words} little-endian 64-bit words of {@code
     * b} from byte {@code byteOffset}: the stored-bytes finiteness test of {@link
     * FloatCodec#firstNonFinite(ByteBuffer, DType)}, read straight from the buffer (a mapped file,
     * typically) without a copy.
     */
    static long wordCarry(ByteBuffer b, int byteOffset, int words, long mask, long one) {
        int lanes = LONGS.length();
        LongVector carry = LongVector.zero(LONGS);
        int i = 0;
        for (int end = words - lanes; i <= end; i += lanes) {
            LongVector w =
                    LongVector.fromByteBuffer(
                            LONGS, b, byteOffset + 8 * i, ByteOrder.LITTLE_ENDIAN);
            carry = carry.or(w.and(mask).add(one));
        }
        long c = carry.reduceLanes(VectorOperators.OR);
        for (; i < words; i++) {
            c |= (b.getLong(byteOffset + 8 * i) & mask) + one;
        }
        return c;
    }
}
