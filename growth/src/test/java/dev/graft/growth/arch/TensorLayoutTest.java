package dev.graft.growth.arch;

import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.TensorInfo;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TensorLayoutTest {

    static ArchSpec gpt2Small() {
        return new ArchSpec(
                Family.GPT2,
                50257,
                768,
                12,
                12,
                12,
                64,
                3072,
                1024,
                Norm.LAYERNORM,
                1e-5,
                NormPlacement.PRE,
                "gelu_new",
                true,
                0,
                null,
                DType.F32,
                Map.of());
    }

    static ArchSpec llama32OneB() {
        return new ArchSpec(
                Family.LLAMA,
                128256,
                2048,
                16,
                32,
                8,
                64,
                8192,
                131072,
                Norm.RMSNORM,
                1e-5,
                NormPlacement.PRE,
                "silu",
                true,
                0,
                500000.0,
                DType.BF16,
                Map.of());
    }

    static ArchSpec bertBase() {
        return new ArchSpec(
                Family.BERT,
                30522,
                768,
                12,
                12,
                12,
                64,
                3072,
                512,
                Norm.LAYERNORM,
                1e-12,
                NormPlacement.POST,
                "gelu",
                true,
                0,
                null,
                DType.F32,
                Map.of("type_vocab_size", "2"));
    }

    /** Published parameter counts of the Hub models (tied heads counted once). */
    @Test
    void parameterCountsMatchThePublishedModels() {
        assertThat(TensorLayout.parameterCount(gpt2Small())).isEqualTo(124_439_808L);
        assertThat(TensorLayout.parameterCount(llama32OneB())).isEqualTo(1_235_814_400L);
        assertThat(TensorLayout.parameterCount(bertBase())).isEqualTo(109_482_240L);
    }

    @Test
    void untiedHeadIsAParameter() {
        ArchSpec untied =
                new ArchSpec(
                        Family.LLAMA,
                        100,
                        16,
                        2,
                        4,
                        2,
                        4,
                        32,
                        64,
                        Norm.RMSNORM,
                        1e-5,
                        NormPlacement.PRE,
                        "silu",
                        false,
                        0,
                        10000.0,
                        DType.F32,
                        Map.of());
        List<ExpectedTensor> tensors =
                TensorLayout.expected(untied, LayoutVariant.hubDefault(Family.LLAMA));
        assertThat(tensors)
                .filteredOn(t -> t.name().equals("lm_head.weight"))
                .singleElement()
                .satisfies(t -> assertThat(t.isRequired()).isTrue());
        assertThat(tensors)
                .filteredOn(t -> t.name().equals("model.layers.1.self_attn.k_proj.weight"))
                .singleElement()
                .satisfies(t -> assertThat(t.shape()).containsExactly(8, 16));
    }

    @Test
    void qwen2HasQkvBiases() {
        ArchSpec qwen =
                new ArchSpec(
                        Family.QWEN2,
                        100,
                        16,
                        1,
                        4,
                        2,
                        4,
                        32,
                        64,
                        Norm.RMSNORM,
                        1e-6,
                        NormPlacement.PRE,
                        "silu",
                        true,
                        0,
                        1e6,
                        DType.BF16,
                        Map.of());
        assertThat(TensorLayout.expected(qwen, LayoutVariant.hubDefault(Family.QWEN2)))
                .extracting(ExpectedTensor::name)
                .contains(
                        "model.layers.0.self_attn.q_proj.bias",
                        "model.layers.0.self_attn.v_proj.bias")
                .doesNotContain("model.layers.0.self_attn.o_proj.bias");
    }

    @Test
    void checkAcceptsTheTransformerPrefixAndTiedHeadCopyAndBuffers() {
        ArchSpec arch = tinyGpt2();
        List<TensorInfo> tensors = new ArrayList<>();
        for (ExpectedTensor e :
                TensorLayout.expected(
                        arch, new LayoutVariant("transformer.", false, false, false, false))) {
            tensors.add(new TensorInfo(e.name(), DType.F32, e.shape()));
        }
        tensors.add(
                new TensorInfo("transformer.h.0.attn.bias", DType.F32, new long[] {1, 1, 8, 8}));
        LayoutCheck check = TensorLayout.check(arch, tensors);
        assertThat(check.isComplete()).as(check.problems()).isTrue();
        assertThat(check.variant().prefix()).isEqualTo("transformer.");
        assertThat(check.ignoredBuffers()).containsExactly("transformer.h.0.attn.bias");
        assertThat(check.parameterCount()).isEqualTo(TensorLayout.parameterCount(arch));
    }

    @Test
    void checkListsEveryMissingTensorAndWrongShape() {
        ArchSpec arch = tinyGpt2();
        List<TensorInfo> tensors = new ArrayList<>();
        for (ExpectedTensor e :
                TensorLayout.expected(arch, LayoutVariant.hubDefault(Family.GPT2))) {
            if (e.name().equals("h.0.ln_1.bias") || e.name().equals("ln_f.weight")) {
                continue;
            }
            long[] shape = e.name().equals("wpe.weight") ? new long[] {8, 9} : e.shape();
            tensors.add(new TensorInfo(e.name(), DType.F32, shape));
        }
        tensors.add(new TensorInfo("score.weight", DType.F32, new long[] {2, 8}));
        LayoutCheck check = TensorLayout.check(arch, tensors);
        assertThat(check.isComplete()).isFalse();
        assertThat(check.missing()).containsExactly("h.0.ln_1.bias[8]", "ln_f.weight[8]");
        assertThat(check.unexpected()).containsExactly("score.weight");
        assertThat(check.problems())
                .contains("2 missing tensor(s): h.0.ln_1.bias[8], ln_f.weight[8]")
                .contains("wpe.weight: expected [16, 8], found [8, 9]");
    }

    @Test
    void bertVariantsAreDetectedFromNames() {
        LayoutVariant v =
                TensorLayout.detectVariant(
                        Family.BERT,
                        List.of(
                                "bert.embeddings.LayerNorm.gamma",
                                "bert.pooler.dense.weight",
                                "cls.predictions.bias"));
        assertThat(v).isEqualTo(new LayoutVariant("bert.", true, true, true, false));
        List<ExpectedTensor> tensors = TensorLayout.expected(bertBase(), v);
        assertThat(tensors)
                .extracting(ExpectedTensor::name)
                .contains(
                        "bert.encoder.layer.11.output.LayerNorm.beta",
                        "cls.predictions.decoder.weight");
        // The MLM decoder is tied: adding the head adds only its transform and bias.
        assertThat(TensorLayout.parameterCount(tensors) - TensorLayout.parameterCount(bertBase()))
                .isEqualTo(30522 + 768 * 768 + 768 + 2 * 768);
    }

    @Test
    void familyDetectionFromNames() {
        assertThat(Family.detect(List.of("transformer.wte.weight"))).contains(Family.GPT2);
        assertThat(Family.detect(List.of("model.embed_tokens.weight"))).contains(Family.LLAMA);
        assertThat(Family.detect(List.of("bert.embeddings.word_embeddings.weight")))
                .contains(Family.BERT);
        assertThat(Family.detect(List.of("foo"))).isEmpty();
    }

    @Test
    void archSpecChecksItself() {
        assertThatThrownBy(
                        () ->
                                new ArchSpec(
                                        Family.LLAMA,
                                        100,
                                        16,
                                        2,
                                        4,
                                        3,
                                        4,
                                        32,
                                        64,
                                        Norm.RMSNORM,
                                        1e-5,
                                        NormPlacement.PRE,
                                        "silu",
                                        false,
                                        0,
                                        10000.0,
                                        DType.F32,
                                        Map.of()))
                .hasMessageContaining("num_kv_heads is 3")
                .hasMessageContaining("divisor of num_heads = 4");
        assertThatThrownBy(
                        () ->
                                new ArchSpec(
                                        Family.BERT,
                                        100,
                                        16,
                                        2,
                                        4,
                                        4,
                                        4,
                                        32,
                                        64,
                                        Norm.LAYERNORM,
                                        1e-5,
                                        NormPlacement.PRE,
                                        "gelu",
                                        true,
                                        0,
                                        null,
                                        DType.F32,
                                        Map.of()))
                .hasMessageContaining("norm_placement is PRE; expected POST for BERT");
        assertThatThrownBy(
                        () ->
                                new ArchSpec(
                                        Family.GPT2,
                                        0,
                                        16,
                                        2,
                                        4,
                                        4,
                                        4,
                                        32,
                                        64,
                                        Norm.LAYERNORM,
                                        1e-5,
                                        NormPlacement.PRE,
                                        "gelu",
                                        true,
                                        0,
                                        null,
                                        DType.F32,
                                        Map.of()))
                .hasMessageContaining("vocab_size is 0");
    }

    static ArchSpec tinyGpt2() {
        return new ArchSpec(
                Family.GPT2,
                32,
                8,
                2,
                2,
                2,
                4,
                32,
                16,
                Norm.LAYERNORM,
                1e-5,
                NormPlacement.PRE,
                "gelu_new",
                true,
                0,
                null,
                DType.F32,
                Map.of());
    }
}
