package dev.graft.growth.tensor;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FloatCodecTest {

    @Test
    void f16RoundTripsEveryFiniteBitPattern() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            float f = FloatCodec.f16ToF32(h);
            if (Float.isNaN(f)) {
                assertThat(FloatCodec.f32ToF16(f) & 0x7C00).isEqualTo(0x7C00);
                assertThat(FloatCodec.f32ToF16(f) & 0x03FF).isNotZero();
            } else {
                assertThat(FloatCodec.f32ToF16(f)).as("bits %04x", bits).isEqualTo(h);
            }
        }
    }

    @Test
    void bf16RoundTripsEveryFiniteBitPattern() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short b = (short) bits;
            float f = FloatCodec.bf16ToF32(b);
            if (!Float.isNaN(f)) {
                assertThat(FloatCodec.f32ToBf16(f)).isEqualTo(b);
            } else {
                assertThat(Float.isNaN(FloatCodec.bf16ToF32(FloatCodec.f32ToBf16(f)))).isTrue();
            }
        }
    }

    @Test
    void knownValues() {
        assertThat(FloatCodec.f16ToF32((short) 0x3C00)).isEqualTo(1.0f);
        assertThat(FloatCodec.f16ToF32((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(FloatCodec.f16ToF32((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(FloatCodec.f16ToF32((short) 0x8000)).isEqualTo(-0.0f);
        assertThat(FloatCodec.f32ToF16(65519.99f)).isEqualTo((short) 0x7BFF);
        assertThat(FloatCodec.f32ToF16(65520f)).isEqualTo((short) 0x7C00);
        assertThat(FloatCodec.bf16ToF32((short) 0x3F80)).isEqualTo(1.0f);
        // 1 + 2^-8 lies exactly between BF16 1.0 and 1.0078125: ties go to even (1.0).
        assertThat(FloatCodec.f32ToBf16(1.00390625f)).isEqualTo((short) 0x3F80);
        // 1 + 3·2^-8 lies between 1.0078125 (odd) and 1.015625 (even): up to even.
        assertThat(FloatCodec.f32ToBf16(1.01171875f)).isEqualTo((short) 0x3F82);
        // Half the smallest F16 subnormal rounds to zero (even); a hair more rounds up.
        assertThat(FloatCodec.f32ToF16(0x1p-25f)).isEqualTo((short) 0);
        assertThat(FloatCodec.f32ToF16(Math.nextUp(0x1p-25f))).isEqualTo((short) 1);
    }

    /** Independent reference: the nearest representable value by exhaustive comparison. */
    @Test
    void narrowingIsRoundToNearestEvenAgainstABruteForceReference() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200_000; i++) {
            float x = Float.intBitsToFloat(random.nextInt());
            if (!Float.isFinite(x)) {
                continue;
            }
            checkNearestEven(x, FloatCodec.f32ToBf16(x), true);
            if (Math.abs(x) < 65504f) {
                checkNearestEven(x, FloatCodec.f32ToF16(x), false);
            }
        }
    }

    private static void checkNearestEven(float x, short r, boolean bf16) {
        double got = bf16 ? FloatCodec.bf16ToF32(r) : FloatCodec.f16ToF32(r);
        if (Double.isInfinite(got)) {
            return; // overflow beyond the largest finite value is tested in knownValues
        }
        for (int delta = -1; delta <= 1; delta += 2) {
            short n = (short) (r + delta);
            double other = bf16 ? FloatCodec.bf16ToF32(n) : FloatCodec.f16ToF32(n);
            if (Double.isNaN(other)
                    || Double.isInfinite(other)
                    || Math.signum(other) * Math.signum(got) < 0) {
                continue;
            }
            double dGot = Math.abs(x - got);
            double dOther = Math.abs(x - other);
            assertThat(dGot).as("x=%s got=%s other=%s", x, got, other).isLessThanOrEqualTo(dOther);
            if (dGot == dOther && got != other) {
                assertThat(r & 1).as("tie of %s must go to even", x).isZero();
            }
        }
    }

    @Test
    void encodeDecodeRoundTripThroughBuffers() {
        float[] values = {0f, -0f, 1.5f, -2.25f, 1e-3f, 3.0e4f};
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            ByteBuffer buf = ByteBuffer.allocate(values.length * dtype.byteSize());
            FloatCodec.encode(values, 0, values.length, dtype, buf);
            assertThat(buf.position()).isEqualTo(buf.capacity());
            buf.flip();
            float[] back = new float[values.length];
            FloatCodec.decode(buf, dtype, back, 0, values.length);
            for (int i = 0; i < values.length; i++) {
                float expected =
                        switch (dtype) {
                            case F16 -> FloatCodec.f16ToF32(FloatCodec.f32ToF16(values[i]));
                            case BF16 -> FloatCodec.bf16ToF32(FloatCodec.f32ToBf16(values[i]));
                            default -> values[i];
                        };
                assertThat(back[i]).isEqualTo(expected);
            }
        }
        assertThatThrownBy(() -> FloatCodec.encode(values, 0, 1, DType.I64, ByteBuffer.allocate(8)))
                .hasMessageContaining("I64")
                .hasMessageContaining("raw");
    }

    @Test
    void findsNonFiniteValuesOfEveryFloatType() {
        assertThat(
                        FloatCodec.firstNonFinite(
                                le(4).putFloat(0, 1f).putFloat(4, Float.NaN), DType.F32))
                .isEqualTo(1);
        assertThat(
                        FloatCodec.firstNonFinite(
                                le(2).putDouble(8, Double.POSITIVE_INFINITY), DType.F64))
                .isEqualTo(1);
        assertThat(FloatCodec.firstNonFinite(le(1).putShort(2, (short) 0x7C00), DType.F16))
                .isEqualTo(1);
        assertThat(FloatCodec.firstNonFinite(le(1).putShort(0, (short) 0xFF80), DType.BF16))
                .isZero();
        assertThat(FloatCodec.firstNonFinite(le(1).put(3, (byte) 0x7C), DType.F8_E5M2))
                .isEqualTo(3);
        assertThat(FloatCodec.firstNonFinite(le(1).put(2, (byte) 0xFF), DType.F8_E4M3))
                .isEqualTo(2);
        assertThat(FloatCodec.firstNonFinite(le(1).put(2, (byte) 0x7E), DType.F8_E4M3))
                .isEqualTo(-1);
        assertThat(FloatCodec.firstNonFinite(le(4).putInt(0, -1), DType.I32)).isEqualTo(-1);
    }

    private static ByteBuffer le(int unused) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    }
}
