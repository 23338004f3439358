package dev.graft.growth.model;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.LayoutVariant;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Contracts of the forward pass that do not need a golden file. */
class TransformerModelTest {

    private static final ArchSpec GPT2 = TinyArchs.gpt2(50, 16, 2, 2);
    private static final LayoutVariant BARE = new LayoutVariant("", false, false, false, false);

    @Test
    void decodersAreCausal() throws Exception {
        for (ArchSpec arch : new ArchSpec[] {GPT2, TinyArchs.llama(50, 16, 2, 4, 2)}) {
            MapTensorSource tensors =
                    MapTensorSource.random(arch, LayoutVariant.hubDefault(arch.family()), 1);
            try (TransformerModel model = TransformerModel.of(arch, tensors);
                    ModelOutput a = model.forward(new int[][] {{1, 2, 3, 4}});
                    ModelOutput b = model.forward(new int[][] {{1, 2, 3, 49}})) {
                float[] la = a.logitsAsFloats();
                float[] lb = b.logitsAsFloats();
                int firstThree = 3 * arch.vocabSize();
                for (int i = 0; i < firstThree; i++) {
                    assertThat(lb[i]).as(arch.family() + " logit " + i).isEqualTo(la[i]);
                }
                assertThat(lb[firstThree]).isNotEqualTo(la[firstThree]);
                assertThat(a.logits().orElseThrow().shape()).containsExactly(1, 4, 50);
            }
        }
    }

    @Test
    void encodersIgnorePaddedKeys() throws Exception {
        ArchSpec bert = TinyArchs.bert(40, 16, 2, 2);
        MapTensorSource tensors = MapTensorSource.random(bert, BARE, 2);
        int[][] mask = {{1, 1, 1, 0}};
        try (TransformerModel model = TransformerModel.of(bert, tensors);
                ModelOutput a =
                        model.forward(
                                ModelInput.of(new int[][] {{5, 6, 7, 8}}).withAttentionMask(mask));
                ModelOutput b =
                        model.forward(
                                ModelInput.of(new int[][] {{5, 6, 7, 39}})
                                        .withAttentionMask(mask))) {
            assertThat(model.hasHead()).isFalse();
            assertThat(a.hasLogits()).isFalse();
            float[] ha = a.hiddenStatesAsFloats();
            float[] hb = b.hiddenStatesAsFloats();
            for (int i = 0; i < 3 * 16; i++) {
                assertThat(hb[i]).isEqualTo(ha[i]);
            }
            assertThatThrownBy(a::logitsAsFloats).hasMessageContaining("no head");
        }
    }

    @Test
    void missingAndMisshapenTensorsAreNamed() {
        MapTensorSource tensors = MapTensorSource.random(GPT2, BARE, 3);
        tensors.remove("h.1.mlp.c_fc.bias")
                .put("h.0.attn.c_attn.weight", new float[16 * 16], 16, 16);
        assertThatThrownBy(() -> TransformerModel.of(GPT2, tensors))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "the tensors do not match the gpt2 reference model:"
                                + " h.0.attn.c_attn.weight is F32[16, 16], expected [16, 48];"
                                + " missing h.1.mlp.c_fc.bias[64]");
    }

    @Test
    void inputsAreChecked() {
        MapTensorSource tensors = MapTensorSource.random(GPT2, BARE, 4);
        try (TransformerModel model = TransformerModel.of(GPT2, tensors)) {
            assertThatThrownBy(() -> model.forward(new int[][] {{1, 50}}))
                    .hasMessage(
                            "token id 50 at sequence 0, position 1 is outside the vocabulary [0, 50)");
            assertThatThrownBy(() -> model.forward(new int[][] {new int[17]}))
                    .hasMessage(
                            "17 tokens per sequence is more than the 16 learned positions of this gpt2 model");
            assertThatThrownBy(
                            () ->
                                    model.forward(
                                            ModelInput.of(new int[][] {{1}})
                                                    .withTokenTypes(new int[][] {{1}})))
                    .hasMessageContaining(
                            "token type 1 at sequence 0, position 0 is outside [0, 1)");
            assertThatThrownBy(() -> ModelInput.of(new int[][] {{1, 2}, {3}}))
                    .hasMessageContaining("sequence 1 has 1 tokens; expected 2");
        }
    }

    @Test
    void closedModelsAndOutputsRefuseUse() throws Exception {
        MapTensorSource tensors = MapTensorSource.random(GPT2, BARE, 5);
        TransformerModel model = TransformerModel.of(GPT2, tensors);
        ModelOutput out = model.forward(new int[][] {{1}});
        out.close();
        assertThatThrownBy(out::hiddenStates).hasMessage("model output used after close()");
        model.close();
        assertThatThrownBy(() -> model.forward(new int[][] {{1}}))
                .hasMessage("gpt2 model used after close()");
    }

    @Test
    void unimplementedFeaturesAreRefusedByName() {
        ArchSpec llama = TinyArchs.llama(50, 16, 1, 2, 2);
        ArchSpec scaled =
                new ArchSpec(
                        llama.family(),
                        50,
                        16,
                        1,
                        2,
                        2,
                        8,
                        32,
                        64,
                        llama.norm(),
                        1e-6,
                        llama.normPlacement(),
                        "silu",
                        false,
                        0,
                        10000.0,
                        llama.dtype(),
                        Map.of("rope_scaling", "{\"rope_type\":\"llama3\"}"));
        assertThatThrownBy(
                        () ->
                                TransformerModel.of(
                                        scaled,
                                        MapTensorSource.random(
                                                scaled,
                                                LayoutVariant.hubDefault(scaled.family()),
                                                6)))
                .hasMessageStartingWith(
                        "rope_scaling {\"rope_type\":\"llama3\"} is not implemented");
    }
}
