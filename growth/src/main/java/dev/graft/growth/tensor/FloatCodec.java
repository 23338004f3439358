package dev.graft.growth.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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
        ByteBuffer in = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> in.asFloatBuffer().get(dst, dstOffset, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = f16ToF32(in.getShort(i << 1));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = bf16ToF32(in.getShort(i << 1));
                }
            }
            default -> throw notComputable(dtype);
        }
        src.position(src.position() + count * dtype.byteSize());
    }

    /**
     * Encodes {@code count} values from {@code src} as {@code dtype} into {@code dst}
     * (little-endian, from its position, which is advanced).
     *
     * @throws IllegalArgumentException if {@code dtype} is not F32, F16 or BF16
     */
    public static void encode(float[] src, int srcOffset, int count, DType dtype, ByteBuffer dst) {
        ByteBuffer out = dst.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> out.asFloatBuffer().put(src, srcOffset, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out.putShort(i << 1, f32ToF16(src[srcOffset + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out.putShort(i << 1, f32ToBf16(src[srcOffset + i]));
                }
            }
            default -> throw notComputable(dtype);
        }
        dst.position(dst.position() + count * dtype.byteSize());
    }

    /**
     * Index of the first element of {@code data} (little-endian elements of {@code dtype}, from
     * position to limit) that is NaN or infinite, or -1 when all are finite or the dtype holds no
     * floats. F8_E4M3 is the "fn" variant PyTorch uses: it has NaN but no infinity.
     */
    public static long firstNonFinite(ByteBuffer data, DType dtype) {
        ByteBuffer b = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        int n = b.remaining() / dtype.byteSize();
        switch (dtype) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getInt(i << 2) & 0x7F80_0000) == 0x7F80_0000) {
                        return i;
                    }
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getLong(i << 3) & 0x7FF0_0000_0000_0000L) == 0x7FF0_0000_0000_0000L) {
                        return i;
                    }
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getShort(i << 1) & 0x7C00) == 0x7C00) {
                        return i;
                    }
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getShort(i << 1) & 0x7F80) == 0x7F80) {
                        return i;
                    }
                }
            }
            case F8_E5M2 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.get(i) & 0x7C) == 0x7C) {
                        return i;
                    }
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < n; i++) {
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
