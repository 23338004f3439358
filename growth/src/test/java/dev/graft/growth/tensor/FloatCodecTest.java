package dev.graft.growth.tensor;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FloatCodecTest {

    /**
     * The bulk paths: the scalar loops, and the SIMD kernels of the Vector API, which the build
     * runs the tests with ({@code --add-modules jdk.incubator.vector} in the parent pom's argLine).
     */
    private static final boolean[] PATHS = {false, true};

    @Test
    void theTestJvmHasTheVectorKernels() {
        assertThat(FloatCodec.vectorized())
                .as(
                        "FloatCodec.vectorized(): the tests must run with --add-modules"
                                + " jdk.incubator.vector on a machine with SIMD, or the vector"
                                + " path goes untested")
                .isTrue();
    }

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

    /** The bulk decoders against the scalar reference, bit for bit, on every 16-bit pattern. */
    @Test
    void bulkDecodeMatchesScalarOnEveryBitPattern() {
        for (boolean vector : PATHS)
            for (DType dtype : new DType[] {DType.F16, DType.BF16}) {
                for (boolean direct : new boolean[] {false, true}) {
                    // Offset by one element in the buffer and three in the array, to exercise both.
                    ByteBuffer buf = allocate(2 + 0x10000 * 2, direct);
                    buf.position(2);
                    for (int bits = 0; bits < 0x10000; bits++) {
                        buf.putShort((short) bits);
                    }
                    buf.position(2);
                    float[] out = new float[3 + 0x10000];
                    int bad = FloatCodec.decodeFinite(buf, dtype, out, 3, 0x10000, vector);
                    assertThat(buf.position()).isEqualTo(buf.capacity());
                    for (int bits = 0; bits < 0x10000; bits++) {
                        float expected =
                                dtype == DType.F16
                                        ? FloatCodec.f16ToF32((short) bits)
                                        : FloatCodec.bf16ToF32((short) bits);
                        assertThat(Float.floatToRawIntBits(out[3 + bits]))
                                .as("%s bits %04x, vector %s", dtype, bits, vector)
                                .isEqualTo(Float.floatToRawIntBits(expected));
                    }
                    // The first pattern with an all-ones exponent: +infinity.
                    assertThat(bad).isEqualTo(dtype == DType.F16 ? 0x7C00 : 0x7F80);
                }
            }
    }

    /** Encoding through the bulk path equals the scalar reference, bit for bit. */
    @Test
    void bulkEncodeMatchesScalarOnEdgeCasesAndASeededSample() {
        float[] values = encodeSample();
        for (boolean vector : PATHS)
            for (DType dtype : new DType[] {DType.F16, DType.BF16}) {
                for (boolean direct : new boolean[] {false, true}) {
                    ByteBuffer buf = allocate(values.length * 2, direct);
                    int bad = FloatCodec.encodeFinite(values, 0, values.length, dtype, buf, vector);
                    assertThat(buf.position()).isEqualTo(buf.capacity());
                    int expectedBad = -1;
                    for (int i = 0; i < values.length; i++) {
                        short expected =
                                dtype == DType.F16
                                        ? FloatCodec.f32ToF16(values[i])
                                        : FloatCodec.f32ToBf16(values[i]);
                        assertThat(buf.getShort(i * 2))
                                .as(
                                        "%s of %s (bits %08x), vector %s",
                                        dtype, values[i], bits(values[i]), vector)
                                .isEqualTo(expected);
                        int exp = dtype == DType.F16 ? 0x7C00 : 0x7F80;
                        if (expectedBad < 0 && (expected & exp) == exp) {
                            expectedBad = i;
                        }
                    }
                    assertThat(bad).isEqualTo(expectedBad);
                }
            }
    }

    @Test
    void encodeFiniteReportsTheFirstNonFiniteOrOverflowingValue() {
        for (boolean vector : PATHS) {
            encodeFiniteReportsTheFirstNonFiniteOrOverflowingValue(vector);
        }
    }

    private static void encodeFiniteReportsTheFirstNonFiniteOrOverflowingValue(boolean vector) {
        float[] values = new float[200_000];
        java.util.Arrays.fill(values, 1.5f);
        assertThat(
                        FloatCodec.encodeFinite(
                                values, 0, values.length, DType.BF16, direct(400_000), vector))
                .isEqualTo(-1);
        values[150_000] = 70000f; // fine in BF16, overflows F16
        values[170_000] = Float.NaN;
        assertThat(
                        FloatCodec.encodeFinite(
                                values, 0, values.length, DType.F16, direct(400_000), vector))
                .isEqualTo(150_000);
        assertThat(
                        FloatCodec.encodeFinite(
                                values, 0, values.length, DType.BF16, direct(400_000), vector))
                .isEqualTo(170_000);
        assertThat(
                        FloatCodec.encodeFinite(
                                values, 0, values.length, DType.F32, direct(800_000), vector))
                .isEqualTo(170_000);
        // Counted from the offset.
        assertThat(
                        FloatCodec.encodeFinite(
                                values, 100_000, 80_000, DType.F32, direct(320_000), vector))
                .isEqualTo(70_000);
    }

    @Test
    void decodeFiniteReportsTheFirstNonFiniteElementAcrossChunks() {
        int n = 3 * FloatCodec.CHUNK + 7;
        for (boolean vector : PATHS)
            for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
                float[] values = new float[n];
                SplittableRandom random = new SplittableRandom(7);
                for (int i = 0; i < n; i++) {
                    values[i] = (float) random.nextGaussian();
                }
                ByteBuffer clean = direct(n * dtype.byteSize());
                FloatCodec.encode(values, 0, n, dtype, clean);
                float[] out = new float[n];
                assertThat(FloatCodec.decodeFinite(clean.flip(), dtype, out, 0, n, vector))
                        .isEqualTo(-1);
                for (int at :
                        new int[] {0, FloatCodec.CHUNK - 1, 2 * FloatCodec.CHUNK + 1, n - 1}) {
                    values[at] = Float.POSITIVE_INFINITY;
                    ByteBuffer buf = direct(n * dtype.byteSize());
                    FloatCodec.encode(values, 0, n, dtype, buf);
                    assertThat(FloatCodec.decodeFinite(buf.flip(), dtype, out, 0, n, vector))
                            .as("%s at %d, vector %s", dtype, at, vector)
                            .isEqualTo(at);
                    assertThat(out[at]).isInfinite();
                    assertThat(out[n - 1 == at ? 0 : n - 1]).isFinite(); // decoded to the end
                    values[at] = 1f;
                }
            }
    }

    /** The word-at-a-time scan against an element-by-element one, for every float dtype. */
    @Test
    void firstNonFiniteOnBuffersMatchesAnElementwiseScan() {
        SplittableRandom random = new SplittableRandom(11);
        DType[] dtypes = {
            DType.F64, DType.F32, DType.F16, DType.BF16, DType.F8_E5M2, DType.F8_E4M3
        };
        for (DType dtype : dtypes) {
            for (int trial = 0; trial < 60; trial++) {
                int bytes = random.nextInt(1, 300_000) / dtype.byteSize() * dtype.byteSize();
                ByteBuffer buf = allocate(bytes + 3, trial % 2 == 0);
                // Random finite-ish bytes: clear each element's top exponent bit, then plant a few
                // non-finite elements (or none).
                for (int i = 0; i < bytes + 3; i++) {
                    buf.put(i, (byte) random.nextInt());
                }
                int size = dtype.byteSize();
                for (int e = 0; e < bytes / size; e++) {
                    int top = 3 + e * size + size - 1; // the byte holding sign and exponent top
                    buf.put(top, (byte) (buf.get(top) & 0xBF));
                }
                int planted = random.nextInt(3);
                for (int p = 0; p < planted && bytes > 0; p++) {
                    int e = random.nextInt(bytes / size);
                    plantNonFinite(buf, 3 + e * size, dtype);
                }
                buf.position(3);
                long expected = -1;
                for (int e = 0; e < bytes / size && expected < 0; e++) {
                    if (isNonFinite(buf, 3 + e * size, dtype)) {
                        expected = e;
                    }
                }
                for (boolean vector : PATHS) {
                    assertThat(FloatCodec.firstNonFinite(buf, dtype, vector))
                            .as("%s, %d bytes, trial %d, vector %s", dtype, bytes, trial, vector)
                            .isEqualTo(expected);
                }
            }
        }
    }

    private static void plantNonFinite(ByteBuffer buf, int at, DType dtype) {
        switch (dtype) {
            case F64 -> buf.putDouble(at, Double.NaN);
            case F32 -> buf.putFloat(at, Float.NEGATIVE_INFINITY);
            case F16 -> buf.putShort(at, (short) 0xFC01);
            case BF16 -> buf.putShort(at, (short) 0x7FC0);
            case F8_E5M2 -> buf.put(at, (byte) 0x7D);
            case F8_E4M3 -> buf.put(at, (byte) 0xFF);
            default -> throw new AssertionError(dtype);
        }
    }

    private static boolean isNonFinite(ByteBuffer buf, int at, DType dtype) {
        return switch (dtype) {
            case F64 -> !Double.isFinite(buf.getDouble(at));
            case F32 -> !Float.isFinite(buf.getFloat(at));
            case F16 -> !Float.isFinite(FloatCodec.f16ToF32(buf.getShort(at)));
            case BF16 -> !Float.isFinite(FloatCodec.bf16ToF32(buf.getShort(at)));
            case F8_E5M2 -> (buf.get(at) & 0x7C) == 0x7C;
            case F8_E4M3 -> (buf.get(at) & 0x7F) == 0x7F;
            default -> throw new AssertionError(dtype);
        };
    }

    /**
     * Every F16 and BF16 value, the midpoints between neighbours (ties) and the floats either side
     * of them, the range and subnormal boundaries, NaNs with assorted payloads and signs, then a
     * million seeded random bit patterns.
     */
    private static float[] encodeSample() {
        java.util.List<Float> edge = new java.util.ArrayList<>();
        for (int bits = 0; bits < 0x10000; bits++) {
            for (boolean bf16 : new boolean[] {false, true}) {
                float a =
                        bf16
                                ? FloatCodec.bf16ToF32((short) bits)
                                : FloatCodec.f16ToF32((short) bits);
                float b =
                        bf16
                                ? FloatCodec.bf16ToF32((short) (bits + 1))
                                : FloatCodec.f16ToF32((short) (bits + 1));
                edge.add(a);
                if (Float.isFinite(a)
                        && Float.isFinite(b)
                        && Math.signum(a) * Math.signum(b) >= 0) {
                    float mid = (float) (((double) a + b) / 2);
                    edge.add(mid);
                    edge.add(Math.nextUp(mid));
                    edge.add(Math.nextDown(mid));
                }
            }
        }
        float[] specials = {
            0f,
            -0f,
            Float.MIN_VALUE,
            -Float.MIN_VALUE,
            Float.MIN_NORMAL,
            Float.MAX_VALUE,
            -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            65504f,
            65519.99f,
            65520f,
            -65520f,
            65536f,
            0x1p-14f,
            0x1p-24f,
            0x1p-25f,
            Math.nextUp(0x1p-25f),
            Math.nextDown(0x1p-14f),
            0x1.ffcp-15f,
            0x1p-133f,
            0x1.fffffep127f,
            3.4e38f,
            1.00390625f,
            1.01171875f
        };
        for (float f : specials) {
            edge.add(f);
            edge.add(Math.nextUp(f));
            edge.add(Math.nextDown(f));
        }
        int[] nans = {
            0x7F80_0001,
            0x7FC0_0000,
            0xFFC0_0000,
            0x7FFF_FFFF,
            0xFFFF_FFFF,
            0x7F80_2000,
            0x7F80_1FFF,
            0xFF80_0001,
            0x7FBF_FFFF,
            0x7F80_8000,
            0x7F80_7FFF
        };
        for (int nan : nans) {
            edge.add(Float.intBitsToFloat(nan));
        }
        SplittableRandom random = new SplittableRandom(20240601);
        int randomCount = 1_000_000;
        float[] values = new float[edge.size() + randomCount];
        for (int i = 0; i < edge.size(); i++) {
            values[i] = edge.get(i);
        }
        for (int i = edge.size(); i < values.length; i++) {
            // Half uniform over all bit patterns, half concentrated where F16 is interesting.
            values[i] =
                    i % 2 == 0
                            ? Float.intBitsToFloat(random.nextInt())
                            : Float.intBitsToFloat(
                                    random.nextInt(0x3000_0000, 0x4800_0000)
                                            | (random.nextBoolean() ? 0x8000_0000 : 0));
        }
        return values;
    }

    private static int bits(float f) {
        return Float.floatToRawIntBits(f);
    }

    private static ByteBuffer allocate(int bytes, boolean direct) {
        return (direct ? ByteBuffer.allocateDirect(bytes) : ByteBuffer.allocate(bytes))
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer direct(int bytes) {
        return allocate(bytes, true);
    }

    private static ByteBuffer le(int unused) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    }
}
