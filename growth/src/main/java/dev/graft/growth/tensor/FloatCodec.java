package dev.graft.growth.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * Conversions between the stored float formats and F32, and the finiteness check every stored float
 * must pass.
 *
 * <p>Narrowing (F32 → F16, F32 → BF16) rounds to nearest, ties to even, as PyTorch does; values
 * beyond the target's range become infinite (and a writer then refuses them). Widening is exact.
 *
 * <p>{@code FloatCodec.bf16ToF32(FloatCodec.f32ToBf16(1.00390625f))} is {@code 1.0f} (a tie,
 * rounded to the even neighbour).
 */
public final class FloatCodec {

    private FloatCodec() {}

    private static final boolean VECTORIZED = vectorKernelsAvailable();

    /**
     * Whether the BF16 conversions and the F32 finiteness test run on the SIMD kernels of the
     * Vector API: true when the JVM was started with {@code --add-modules jdk.incubator.vector} (as
     * {@code ./graft} and the tests do) on hardware with vectors of at least four ints. Either way
     * the results are bit for bit the same; only the speed differs.
     */
    public static boolean vectorized() {
        return VECTORIZED;
    }

    private static boolean vectorKernelsAvailable() {
        // The module is resolved only when asked for on the command line; without it, loading
        // VectorKernels would fail, so it is not touched.
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            return VectorKernels.worthwhile();
        } catch (LinkageError e) {
            return false;
        }
    }

    /** The F32 value of a BF16 bit pattern (exact). */
    public static float bf16ToF32(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The BF16 bit pattern nearest to {@code f}, ties to even; NaN stays a (quiet) NaN. */
    public static short f32ToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }

    /** The F32 value of an IEEE 754 binary16 bit pattern (exact). */
    public static float f16ToF32(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0) {
            float v = mant * 0x1p-24f; // zero or subnormal: exact in F32
            return sign == 0 ? v : -v;
        }
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /**
     * The binary16 bit pattern nearest to {@code f}, ties to even; magnitudes from 65520 up become
     * infinity, NaN stays NaN. (The algorithm of Java 20's {@code Float.floatToFloat16}.)
     */
    public static short f32ToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        short sign = (short) ((bits & 0x8000_0000) >> 16);
        if (Float.isNaN(f)) {
            return (short) (sign | 0x7C00 | ((bits & 0x007F_E000) >> 13) | 0x0200);
        }
        float abs = Math.abs(f);
        if (abs >= 0x1.ffcp15f + 0x0.002p15f) {
            return (short) (sign | 0x7C00);
        }
        if (abs <= 0x1.0p-24f * 0.5f) {
            return sign;
        }
        int exp = Math.getExponent(f);
        int expDelta = 0;
        int msb = 0;
        if (exp < -14) {
            expDelta = -14 - exp;
            exp = -15;
            msb = 0x0080_0000;
        }
        int significand = (bits & 0x007F_FFFF) | msb;
        short result = (short) (significand >> (13 + expDelta));
        int lsb = significand & (1 << (13 + expDelta));
        int round = significand & (1 << (12 + expDelta));
        int sticky = significand & ((1 << (12 + expDelta)) - 1);
        if (round != 0 && (lsb | sticky) != 0) {
            result++;
        }
        return (short) (sign | (((exp + 15) << 10) + result));
    }

    /**
     * Decodes {@code count} elements of {@code dtype} from {@code src} (little-endian, from its
     * position, which is advanced) into {@code dst} from {@code dstOffset}.
     *
     * @throws IllegalArgumentException if {@code dtype} is not F32, F16 or BF16
     */
    public static void decode(ByteBuffer src, DType dtype, float[] dst, int dstOffset, int count) {
        decodeFinite(src, dtype, dst, dstOffset, count);
    }

    /**
     * Decodes like {@link #decode} and, in the same pass, finds the first NaN or infinite element:
     * returns its index (counted from {@code dstOffset}), or -1 when all are finite. Every element
     * is decoded either way.
     *
     * <p>Converts in chunks of 65,536 elements through one small scratch array (bulk {@code
     * ShortBuffer.get}, then a plain array loop), so no more heap than {@code dst} and the scratch
     * is used.
     *
     * @throws IllegalArgumentException if {@code dtype} is not F32, F16 or BF16
     */
    public static int decodeFinite(
            ByteBuffer src, DType dtype, float[] dst, int dstOffset, int count) {
        return decodeFinite(src, dtype, dst, dstOffset, count, VECTORIZED);
    }

    /** {@link #decodeFinite}, on the SIMD kernels or not (for tests of both). */
    static int decodeFinite(
            ByteBuffer src, DType dtype, float[] dst, int dstOffset, int count, boolean vector) {
        ByteBuffer in = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        int bad =
                switch (dtype) {
                    case F32 -> decodeF32(in.asFloatBuffer(), dst, dstOffset, count, vector);
                    case F16 -> decodeF16(in.asShortBuffer(), dst, dstOffset, count);
                    case BF16 -> decodeBf16(in, dst, dstOffset, count, vector);
                    default -> throw notComputable(dtype);
                };
        src.position(src.position() + count * dtype.byteSize());
        return bad;
    }

    /**
     * Encodes {@code count} values from {@code src} as {@code dtype} into {@code dst}
     * (little-endian, from its position, which is advanced).
     *
     * @throws IllegalArgumentException if {@code dtype} is not F32, F16 or BF16
     */
    public static void encode(float[] src, int srcOffset, int count, DType dtype, ByteBuffer dst) {
        encodeFinite(src, srcOffset, count, dtype, dst);
    }

    /**
     * Encodes like {@link #encode} and, in the same pass, finds the first element whose encoded
     * value is NaN or infinite (a NaN or infinite input, or a finite one beyond the range of {@code
     * dtype}): returns its index (counted from {@code srcOffset}), or -1. Every element is encoded
     * either way.
     *
     * <p>{@code encodeFinite(new float[] {1f, 70000f}, 0, 2, DType.F16, buf)} is {@code 1}: 70000
     * overflows F16 to infinity.
     *
     * @throws IllegalArgumentException if {@code dtype} is not F32, F16 or BF16
     */
    public static int encodeFinite(
            float[] src, int srcOffset, int count, DType dtype, ByteBuffer dst) {
        return encodeFinite(src, srcOffset, count, dtype, dst, VECTORIZED);
    }

    /** {@link #encodeFinite}, on the SIMD kernels or not (for tests of both). */
    static int encodeFinite(
            float[] src, int srcOffset, int count, DType dtype, ByteBuffer dst, boolean vector) {
        ByteBuffer out = dst.slice().order(ByteOrder.LITTLE_ENDIAN);
        int bad =
                switch (dtype) {
                    case F32 -> encodeF32(src, srcOffset, count, out.asFloatBuffer(), vector);
                    case F16 -> encodeF16(src, srcOffset, count, out.asShortBuffer());
                    case BF16 ->
                            vector
                                    ? encodeBf16Vector(src, srcOffset, count, out)
                                    : encodeBf16(src, srcOffset, count, out.asShortBuffer());
                    default -> throw notComputable(dtype);
                };
        dst.position(dst.position() + count * dtype.byteSize());
        return bad;
    }

    /** Elements converted per chunk: the scratch array stays in L2 (128 KiB of shorts). */
    static final int CHUNK = 1 << 16;

    // Finiteness is tested without a branch per element: masking the exponent and adding one
    // unit of its lowest bit carries into the bit above the exponent exactly when the exponent is
    // all ones (NaN or infinity). OR-ing those sums over a chunk leaves that bit set iff the chunk
    // holds a non-finite element; only then is the chunk searched for the index.
    private static final int F32_EXP = 0x7F80_0000;
    private static final int F32_EXP_ONE = 0x0080_0000;
    private static final int BF16_EXP = 0x7F80;
    private static final int BF16_EXP_ONE = 0x0080;
    private static final int F16_EXP = 0x7C00;
    private static final int F16_EXP_ONE = 0x0400;
    private static final int HALF_CARRY = 0x8000;

    private static int decodeF32(
            FloatBuffer in, float[] dst, int dstOffset, int count, boolean vector) {
        int bad = -1;
        for (int from = 0; from < count; from += CHUNK) {
            int n = Math.min(CHUNK, count - from);
            int base = dstOffset + from;
            in.get(dst, base, n); // a memory copy; the test below then reads the chunk from cache
            if (bad < 0 && !allFinite(dst, base, n, vector)) {
                bad = from + firstNonFinite(dst, base, n);
            }
        }
        return bad;
    }

    private static int decodeF16(ShortBuffer in, float[] dst, int dstOffset, int count) {
        short[] scratch = new short[Math.min(CHUNK, count)];
        int bad = -1;
        for (int from = 0; from < count; from += CHUNK) {
            int n = Math.min(CHUNK, count - from);
            in.get(scratch, 0, n);
            int base = dstOffset + from;
            int carry = 0;
            for (int i = 0; i < n; i++) {
                int h = scratch[i];
                carry |= (h & F16_EXP) + F16_EXP_ONE;
                dst[base + i] = f16ToF32Fast(h);
            }
            if (bad < 0 && (carry & HALF_CARRY) != 0) {
                bad = from + firstNonFinite(dst, base, n);
            }
        }
        return bad;
    }

    /**
     * BF16 is the top half of an F32, so decoding is a shift. Read two elements per int (the first
     * in the low half, little-endian), which halves the loads and the loop's overhead.
     */
    private static int decodeBf16(
            ByteBuffer in, float[] dst, int dstOffset, int count, boolean vector) {
        if (vector) {
            int bad = -1;
            for (int from = 0; from < count; from += CHUNK) {
                int n = Math.min(CHUNK, count - from);
                int base = dstOffset + from;
                int carry = VectorKernels.decodeBf16(in, from * 2, dst, base, n);
                if (bad < 0 && carry < 0) {
                    bad = from + firstNonFinite(dst, base, n);
                }
            }
            return bad;
        }
        IntBuffer pairs = in.asIntBuffer();
        int[] scratch = new int[Math.min(CHUNK, count) / 2];
        int bad = -1;
        for (int from = 0; from < count; from += CHUNK) {
            int n = Math.min(CHUNK, count - from);
            int half = n >>> 1;
            pairs.get(scratch, 0, half);
            int base = dstOffset + from;
            int carry = 0;
            for (int k = 0; k < half; k++) {
                int w = scratch[k];
                carry |= (w & 0x7F80_7F80) + 0x0080_0080;
                dst[base + 2 * k] = Float.intBitsToFloat(w << 16);
                dst[base + 2 * k + 1] = Float.intBitsToFloat(w & 0xFFFF_0000);
            }
            if ((n & 1) != 0) { // only in the last chunk
                int b = in.getShort((from + n - 1) * 2);
                carry |= (b & BF16_EXP) + BF16_EXP_ONE;
                dst[base + n - 1] = Float.intBitsToFloat(b << 16);
            }
            if (bad < 0 && (carry & 0x8000_8000) != 0) {
                bad = from + firstNonFinite(dst, base, n);
            }
        }
        return bad;
    }

    private static int encodeF32(
            float[] src, int srcOffset, int count, FloatBuffer out, boolean vector) {
        int bad = -1;
        for (int from = 0; from < count; from += CHUNK) {
            int n = Math.min(CHUNK, count - from);
            int base = srcOffset + from;
            if (bad < 0 && !allFinite(src, base, n, vector)) {
                bad = from + firstNonFinite(src, base, n);
            }
            out.put(src, base, n);
        }
        return bad;
    }

    private static int encodeF16(float[] src, int srcOffset, int count, ShortBuffer out) {
        short[] scratch = new short[Math.min(CHUNK, count)];
        int bad = -1;
        for (int from = 0; from < count; from += CHUNK) {
            int n = Math.min(CHUNK, count - from);
            int base = srcOffset + from;
            int carry = 0;
            for (int i = 0; i < n; i++) {
                int r = f32ToF16Fast(Float.floatToRawIntBits(src[base + i]));
                carry |= (r & F16_EXP) + F16_EXP_ONE;
                scratch[i] = (short) r;
            }
            if (bad < 0 && (carry & HALF_CARRY) != 0) {
                bad = from + firstNonFiniteHalf(scratch, n, F16_EXP);
            }
            out.put(scratch, 0, n);
        }
        return bad;
    }

    /**
     * Three simple loops per chunk rather than one: HotSpot 17 vectorises each of them (bits out of
     * the floats; round to nearest even on ints; narrow ints to shorts) but none of their fusions,
     * which run about 1.6 times slower. The rounding add is exact for every finite input; a chunk
     * holding a NaN (whose payload the add could carry into the sign) or a value that rounds to
     * infinity is redone element by element.
     */
    private static int encodeBf16(float[] src, int srcOffset, int count, ShortBuffer out) {
        int length = Math.min(CHUNK, count);
        int[] bits = new int[length];
        short[] scratch = new short[length];
        int bad = -1;
        for (int from = 0; from < count; from += CHUNK) {
            int n = Math.min(CHUNK, count - from);
            int base = srcOffset + from;
            for (int i = 0; i < n; i++) {
                bits[i] = Float.floatToRawIntBits(src[base + i]);
            }
            // |f| >= 0x7F7F8000 (the midpoint above the largest finite BF16) is exactly the set
            // of inputs whose BF16 is infinite or NaN; adding 0x00808000 carries it into bit 31.
            int carry = 0;
            for (int i = 0; i < n; i++) {
                int b = bits[i];
                carry |= (b & 0x7FFF_FFFF) + 0x0080_8000;
                bits[i] = (b + 0x7FFF + ((b >>> 16) & 1)) >>> 16;
            }
            for (int i = 0; i < n; i++) {
                scratch[i] = (short) bits[i];
            }
            if (carry < 0) {
                for (int i = 0; i < n; i++) {
                    scratch[i] = f32ToBf16(src[base + i]);
                }
                if (bad < 0) {
                    bad = from + firstNonFiniteHalf(scratch, n, BF16_EXP);
                }
            }
            out.put(scratch, 0, n);
        }
        return bad;
    }

    /** {@link #encodeBf16} on the SIMD kernel, with the same element-by-element redo. */
    private static int encodeBf16Vector(float[] src, int srcOffset, int count, ByteBuffer out) {
        int bad = -1;
        short[] scratch = null;
        for (int from = 0; from < count; from += CHUNK) {
            int n = Math.min(CHUNK, count - from);
            int base = srcOffset + from;
            if (VectorKernels.encodeBf16(src, base, n, out, from * 2) < 0) {
                if (scratch == null) {
                    scratch = new short[Math.min(CHUNK, count)];
                }
                for (int i = 0; i < n; i++) {
                    scratch[i] = f32ToBf16(src[base + i]);
                }
                out.asShortBuffer().put(from, scratch, 0, n);
                if (bad < 0) {
                    bad = from + firstNonFiniteHalf(scratch, n, BF16_EXP);
                }
            }
        }
        return bad;
    }

    private static int firstNonFiniteHalf(short[] values, int count, int exp) {
        for (int i = 0; i < count; i++) {
            if ((values[i] & exp) == exp) {
                return i;
            }
        }
        return -1;
    }

    private static boolean allFinite(float[] values, int offset, int count, boolean vector) {
        if (vector) {
            return VectorKernels.f32Carry(values, offset, count) >= 0;
        }
        int carry = 0;
        for (int i = 0; i < count; i++) {
            carry |= (Float.floatToRawIntBits(values[offset + i]) & F32_EXP) + F32_EXP_ONE;
        }
        return carry >= 0; // the carry lands in the sign bit
    }

    /**
     * {@link #f16ToF32} without its branches for normal numbers: the exponent is rebiased by one
     * add; zeros and subnormals are scaled exactly by a subtraction of 2^-14.
     */
    private static float f16ToF32Fast(int h) {
        int magnitude = (h & 0x7FFF) << 13;
        int exp = magnitude & 0x0F80_0000;
        int sign = (h & 0x8000) << 16;
        if (exp == 0x0F80_0000) { // infinity or NaN: all-ones exponent, payload kept
            return Float.intBitsToFloat(sign | (magnitude + 0x7000_0000));
        }
        if (exp == 0) { // zero or subnormal: m·2^-24 = (2^-14·(1 + m/1024)) - 2^-14, exact
            float v = Float.intBitsToFloat(magnitude + 0x3880_0000) - 0x1p-14f;
            return Float.intBitsToFloat(sign | Float.floatToRawIntBits(v));
        }
        return Float.intBitsToFloat(sign | (magnitude + 0x3800_0000)); // exponent + (127 - 15)
    }

    /**
     * {@link #f32ToF16} on raw bits, with one range test for the common case: normal results round
     * to nearest even by an add on the rebiased bits (a carry out of the mantissa bumps the
     * exponent, up to infinity from 65520); subnormal results are rounded by the FPU, adding 0.5 so
     * the result's unit in the last place is exactly 2^-24.
     */
    private static int f32ToF16Fast(int bits) {
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFF_FFFF;
        if (abs >= 0x3880_0000 && abs < 0x4780_0000) { // 2^-14 <= |f| < 2^16: normal or overflow
            return sign | ((abs - 0x3800_0000 + 0x0FFF + ((abs >>> 13) & 1)) >>> 13);
        }
        if (abs < 0x3880_0000) { // zero or subnormal
            return sign | (Float.floatToRawIntBits(Float.intBitsToFloat(abs) + 0.5f) - 0x3F00_0000);
        }
        if (abs > F32_EXP) { // NaN: as f32ToF16, keep the payload's top bits, quiet
            return sign | 0x7C00 | ((abs & 0x007F_E000) >>> 13) | 0x0200;
        }
        return sign | 0x7C00; // 2^16 and up, and infinity
    }

    /**
     * Index of the first element of {@code data} (little-endian elements of {@code dtype}, from
     * position to limit) that is NaN or infinite, or -1 when all are finite or the dtype holds no
     * floats. F8_E4M3 is the "fn" variant PyTorch uses: it has NaN but no infinity.
     *
     * <p>Reads the data as 64-bit words in bulk and tests every element of a word at once (see the
     * exponent-carry note above); only a chunk that holds a non-finite element is searched one
     * element at a time.
     */
    public static long firstNonFinite(ByteBuffer data, DType dtype) {
        return firstNonFinite(data, dtype, VECTORIZED);
    }

    /** {@link #firstNonFinite(ByteBuffer, DType)}, on the SIMD kernels or not (for tests). */
    static long firstNonFinite(ByteBuffer data, DType dtype, boolean vector) {
        // Per element lane: exponent mask, one unit of the exponent's lowest bit, the carry bit.
        long mask;
        long one;
        long carryBit;
        switch (dtype) {
            case F32 -> {
                mask = 0x7F80_0000_7F80_0000L;
                one = 0x0080_0000_0080_0000L;
                carryBit = 0x8000_0000_8000_0000L;
            }
            case F64 -> {
                mask = 0x7FF0_0000_0000_0000L;
                one = 0x0010_0000_0000_0000L;
                carryBit = 0x8000_0000_0000_0000L;
            }
            case F16 -> {
                mask = 0x7C00_7C00_7C00_7C00L;
                one = 0x0400_0400_0400_0400L;
                carryBit = 0x8000_8000_8000_8000L;
            }
            case BF16 -> {
                mask = 0x7F80_7F80_7F80_7F80L;
                one = 0x0080_0080_0080_0080L;
                carryBit = 0x8000_8000_8000_8000L;
            }
            case F8_E5M2 -> {
                mask = 0x7C7C_7C7C_7C7C_7C7CL;
                one = 0x0404_0404_0404_0404L;
                carryBit = 0x8080_8080_8080_8080L;
            }
            case F8_E4M3 -> { // NaN is S.1111.111: all seven low bits set
                mask = 0x7F7F_7F7F_7F7F_7F7FL;
                one = 0x0101_0101_0101_0101L;
                carryBit = 0x8080_8080_8080_8080L;
            }
            default -> {
                return -1;
            }
        }
        ByteBuffer b = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        int size = dtype.byteSize();
        int n = b.remaining() / size;
        int perWord = Long.BYTES / size;
        if (vector) {
            int words = n / perWord;
            for (int word = 0; word < words; word += CHUNK / 4) {
                int k = Math.min(CHUNK / 4, words - word);
                if ((VectorKernels.wordCarry(b, word * 8, k, mask, one) & carryBit) != 0) {
                    return firstNonFinite(b, dtype, word * perWord, (word + k) * perWord);
                }
            }
            return firstNonFinite(b, dtype, words * perWord, n);
        }
        LongBuffer words = b.asLongBuffer();
        long[] scratch = new long[Math.min(CHUNK / 4, words.remaining())];
        int word = 0;
        while (words.hasRemaining()) {
            int k = Math.min(scratch.length, words.remaining());
            words.get(scratch, 0, k);
            long carry = 0;
            for (int i = 0; i < k; i++) {
                carry |= (scratch[i] & mask) + one;
            }
            if ((carry & carryBit) != 0) {
                return firstNonFinite(b, dtype, word * perWord, (word + k) * perWord);
            }
            word += k;
        }
        return firstNonFinite(b, dtype, word * perWord, n);
    }

    /** The element-by-element search of {@link #firstNonFinite(ByteBuffer, DType)}. */
    private static long firstNonFinite(ByteBuffer b, DType dtype, int from, int to) {
        switch (dtype) {
            case F32 -> {
                for (int i = from; i < to; i++) {
                    if ((b.getInt(i << 2) & 0x7F80_0000) == 0x7F80_0000) {
                        return i;
                    }
                }
            }
            case F64 -> {
                for (int i = from; i < to; i++) {
                    if ((b.getLong(i << 3) & 0x7FF0_0000_0000_0000L) == 0x7FF0_0000_0000_0000L) {
                        return i;
                    }
                }
            }
            case F16 -> {
                for (int i = from; i < to; i++) {
                    if ((b.getShort(i << 1) & 0x7C00) == 0x7C00) {
                        return i;
                    }
                }
            }
            case BF16 -> {
                for (int i = from; i < to; i++) {
                    if ((b.getShort(i << 1) & 0x7F80) == 0x7F80) {
                        return i;
                    }
                }
            }
            case F8_E5M2 -> {
                for (int i = from; i < to; i++) {
                    if ((b.get(i) & 0x7C) == 0x7C) {
                        return i;
                    }
                }
            }
            case F8_E4M3 -> {
                for (int i = from; i < to; i++) {
                    if ((b.get(i) & 0x7F) == 0x7F) {
                        return i;
                    }
                }
            }
            default -> {
                return -1;
            }
        }
        return -1;
    }

    /** Index of the first NaN or infinite value in {@code values}, or -1. */
    public static int firstNonFinite(float[] values, int offset, int count) {
        for (int i = 0; i < count; i++) {
            if (!Float.isFinite(values[offset + i])) {
                return i;
            }
        }
        return -1;
    }

    private static IllegalArgumentException notComputable(DType dtype) {
        return new IllegalArgumentException(
                "dtype "
                        + dtype
                        + " is not converted to F32; Graft computes on F32, F16 and BF16 tensors."
                        + " Read it raw instead.");
    }
}
