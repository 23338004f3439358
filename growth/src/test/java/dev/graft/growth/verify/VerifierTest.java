package dev.graft.growth.verify;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.LayoutVariant;
import dev.graft.growth.model.MapTensorSource;
import dev.graft.growth.model.ModelInput;
import dev.graft.growth.model.TinyArchs;
import dev.graft.growth.model.TransformerModel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VerifierTest {

    private static final ArchSpec GPT2 = TinyArchs.gpt2(60, 16, 2, 2);
    private static final LayoutVariant BARE = new LayoutVariant("", false, false, false, false);
    private static final ModelInput PROBES = Probes.random(7, 3, 10, 60);

    @Test
    void aModelMatchesItselfExactly() throws Exception {
        MapTensorSource tensors = MapTensorSource.random(GPT2, BARE, 1);
        try (TransformerModel a = TransformerModel.of(GPT2, tensors);
                TransformerModel b = TransformerModel.of(GPT2, tensors)) {
            Verification v = Verifier.verify(a, b, PROBES, Claim.exact());
            assertThat(v.method()).isEqualTo(Verification.Method.LOGITS);
            assertThat(v.maxAbsDelta()).isZero();
            assertThat(v.relativeDelta()).isZero();
            assertThat(v.logitScale()).isPositive();
            assertThat(v.passed()).isTrue();
            assertThat(v.probeSequences()).isEqualTo(3);
            assertThat(v.probeTokens()).isEqualTo(10);
            assertThat(v.tolerance()).isEqualTo(1e-4);
            assertThat(v.summary()).startsWith("logits: max |Δ| 0").contains("PASS");
        }
    }

    @Test
    void aChangedWeightFailsALosslessClaimAndIsMeasuredForAnApproximateOne() throws Exception {
        MapTensorSource source = MapTensorSource.random(GPT2, BARE, 1);
        MapTensorSource changed = MapTensorSource.random(GPT2, BARE, 1);
        float[] bias = changed.get("h.1.mlp.c_proj.bias");
        bias[3] += 0.05f;
        changed.put("h.1.mlp.c_proj.bias", bias, 16);
        try (TransformerModel a = TransformerModel.of(GPT2, source);
                TransformerModel b = TransformerModel.of(GPT2, changed)) {
            Verification lossless = Verifier.verify(a, b, PROBES, Claim.exact());
            assertThat(lossless.relativeDelta()).isGreaterThan(1e-4);
            assertThat(lossless.relativeDelta())
                    .isEqualTo(lossless.maxAbsDelta() / lossless.logitScale());
            assertThat(lossless.passed()).isFalse();
            assertThat(lossless.summary()).contains("FAIL");
            Verification approximate = Verifier.verify(a, b, PROBES, Claim.approximate());
            assertThat(approximate.passed()).isTrue();
            assertThat(approximate.tolerance()).isNull();
            assertThat(approximate.maxAbsDelta()).isEqualTo(lossless.maxAbsDelta());
            assertThat(approximate.meanAbsDelta())
                    .isPositive()
                    .isLessThan(approximate.maxAbsDelta());
        }
    }

    @Test
    void encodersWithoutAHeadCompareHiddenStatesOrSayWhyNot() throws Exception {
        ArchSpec narrow = TinyArchs.bert(60, 16, 1, 2);
        ArchSpec wide = TinyArchs.bert(60, 32, 1, 2);
        MapTensorSource tensors = MapTensorSource.random(narrow, BARE, 2);
        try (TransformerModel a = TransformerModel.of(narrow, tensors);
                TransformerModel b = TransformerModel.of(narrow, tensors);
                TransformerModel c =
                        TransformerModel.of(wide, MapTensorSource.random(wide, BARE, 3))) {
            Verification same = Verifier.verify(a, b, PROBES, Claim.exact());
            assertThat(same.method()).isEqualTo(Verification.Method.HIDDEN_STATES);
            assertThat(same.passed()).isTrue();
            assertThat(same.notes())
                    .startsWith("compared final hidden states: neither model has a head");
            Verification none = Verifier.verify(a, c, PROBES, Claim.exact());
            assertThat(none.method()).isEqualTo(Verification.Method.NONE);
            assertThat(none.passed()).isFalse();
            assertThat(none.notes())
                    .isEqualTo(
                            "nothing comparable: neither model has a head, and the hidden sizes differ (16 vs 32)");
        }
    }

    @Test
    void probesAreSeededAndChecked() {
        assertThat(Probes.random(1, 2, 5, 100)).isEqualTo(Probes.random(1, 2, 5, 100));
        assertThat(Probes.random(1, 2, 5, 100)).isNotEqualTo(Probes.random(2, 2, 5, 100));
        assertThatThrownBy(() -> Probes.random(1, 0, 5, 100)).hasMessageContaining("positive");
        assertThatThrownBy(() -> Claim.exact(-1)).hasMessageContaining("tolerance is -1.0");
    }
}
