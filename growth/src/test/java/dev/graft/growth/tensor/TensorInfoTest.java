package dev.graft.growth.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TensorInfoTest {

    @Test
    void sizes() {
        TensorInfo t = new TensorInfo("wte.weight", DType.F32, new long[] {50257, 768});
        assertThat(t.byteLength()).isEqualTo(154389504L);
        assertThat(t.elementCount()).isEqualTo(50257L * 768);
        assertThat(new TensorInfo("s", DType.BF16, new long[0]).byteLength()).isEqualTo(2);
        assertThat(new TensorInfo("z", DType.F64, new long[] {3, 0, 5}).elementCount()).isZero();
        assertThat(new TensorInfo("z", DType.F64, new long[] {Long.MAX_VALUE, 0}).byteLength())
                .isZero();
    }

    @Test
    void isImmutableAndComparesByValue() {
        long[] shape = {2, 3};
        TensorInfo t = new TensorInfo("a", DType.F16, shape);
        shape[0] = 7;
        assertThat(t.shape()).containsExactly(2, 3);
        assertThat(t).isEqualTo(new TensorInfo("a", DType.F16, new long[] {2, 3}));
        assertThat(t.toString()).isEqualTo("a F16[2, 3]");
    }

    @Test
    void refusesNegativeAndOverflowingShapes() {
        assertThatThrownBy(() -> new TensorInfo("a", DType.F32, new long[] {2, -1}))
                .hasMessageContaining("'a'")
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> new TensorInfo("b", DType.F32, new long[] {1L << 40, 1L << 30}))
                .isInstanceOf(ArithmeticException.class)
                .hasMessageContaining("'b'");
    }

    @Test
    void dtypeNamesAndSizes() {
        assertThat(DType.values()).hasSize(15);
        assertThat(DType.parse("F8_E4M3")).contains(DType.F8_E4M3);
        assertThat(DType.parse("f32")).isEmpty();
        assertThat(DType.U64.byteSize()).isEqualTo(8);
        assertThat(DType.BF16.isComputable()).isTrue();
        assertThat(DType.F64.isComputable()).isFalse();
        assertThat(DType.F64.isFloatingPoint()).isTrue();
    }
}
