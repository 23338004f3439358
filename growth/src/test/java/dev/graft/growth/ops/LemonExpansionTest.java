package dev.graft.growth.ops;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * LEMON's random splits differ from numpy's, so the weights are not compared; instead the
 * invariants that make it exact (the numpy reference measures |Δlogit| ≈ 1e-7 for the same plans):
 * fan-out splits of a neuron's copies sum to the original weight, new blocks' outputs cancel, the
 * residual stream's residue is the average, and norms are rescaled with ε.
 */
class LemonExpansionTest {

    private static final Path SOURCE =
            Fixtures.ROOT.resolve("hyperclone-gpt2-x2").resolve("source.safetensors");

    @Test
    void gpt2WidthToANonMultipleAndDepthKeepTheInvariants() throws Exception {
        Fixtures.InMemorySource source = Fixtures.source(SOURCE);
        GrowthPlan plan =
                GrowthPlanner.plan(
                        GrowthOperator.LEMON,
                        Fixtures.gpt2(),
                        source.tensors(),
                        GrowthTarget.parse("hidden=24,layers=3"),
                        0,
                        GrowthOptions.defaults().withSeed(42));
        assertThat(plan.target().numHeads()).isEqualTo(6);
        assertThat(plan.target().normEps()).isCloseTo(1e-5 * 16 / 24, within(1e-15));
        assertThat(plan.exactness().exact()).isTrue();
        Map<String, float[]> g = Fixtures.grow(plan, source).written;

        // Residual stream [h, avg(h)×8]: embeddings' residue columns are the row means.
        float[] wte = source.get("wte.weight");
        float[] wte2 = g.get("wte.weight");
        for (int v = 0; v < 24; v++) {
            double mean = 0;
            for (int c = 0; c < 16; c++) {
                mean += wte[v * 16 + c] / 16.0;
                assertThat(wte2[v * 24 + c]).isEqualTo(wte[v * 16 + c]);
            }
            for (int c = 16; c < 24; c++) {
                assertThat((double) wte2[v * 24 + c]).isCloseTo(mean, within(1e-6));
            }
        }
        // Norm gains ×√(kd/D) on the copies.
        float[] ln = source.get("h.0.ln_1.weight");
        float[] ln2 = g.get("h.0.ln_1.weight");
        for (int c = 0; c < 16; c++) {
            assertThat((double) ln2[c]).isCloseTo(ln[c] * Math.sqrt(16.0 / 24), within(1e-6));
        }
        // ln_f before the tied head: also ÷k (k = 1 whole copy here).
        assertThat((double) g.get("ln_f.weight")[3])
                .isCloseTo(source.get("ln_f.weight")[3] * Math.sqrt(16.0 / 24), within(1e-6));

        // Fan-out splits: mlp.c_proj rows are the 96 FFN neurons (copies of 64); per output
        // column the copies of neuron s sum to the source weight, and are not all equal.
        float[] w = source.get("h.0.mlp.c_proj.weight"); // [64, 16]
        float[] w2 = g.get("h.0.mlp.c_proj.weight"); // [96, 24]
        boolean unequal = false;
        for (int s = 0; s < 64; s++) {
            for (int c = 0; c < 16; c++) {
                double sum = w2[s * 24 + c] + (s < 32 ? w2[(s + 64) * 24 + c] : 0);
                assertThat(sum).isCloseTo(w[s * 16 + c], within(1e-6));
                if (s < 32 && w2[s * 24 + c] != w2[(s + 64) * 24 + c]) {
                    unequal = true;
                }
            }
        }
        assertThat(unequal).as("symmetry broken by unequal splits").isTrue();

        // c_attn input rows: the single copy of a hidden channel carries the whole weight; the
        // residue rows (reading a channel LayerNorm sets to 0) are small random values.
        float[] a = source.get("h.1.attn.c_attn.weight"); // [16, 48]
        float[] a2 = g.get("h.1.attn.c_attn.weight"); // [24, 72]
        assertThat(a2[3 * 72 + 5]).isEqualTo(a[3 * 48 + 5]);

        // New block (layer 2, after source layer 1): output projections cancel over copies.
        float[] p = g.get("h.2.attn.c_proj.weight"); // [24 (6 heads × 4), 24]
        for (int c = 0; c < 24; c++) {
            for (int ch = 0; ch < 8; ch++) { // heads 0,1 have copies 4,5
                assertThat((double) p[ch * 24 + c] + p[(ch + 16) * 24 + c])
                        .isCloseTo(0, within(1e-7));
            }
            for (int ch = 8; ch < 16; ch++) { // heads 2,3 have a single copy: zero
                assertThat(p[ch * 24 + c]).isZero();
            }
        }
        assertThat(g.get("h.2.attn.c_proj.bias")).containsOnly(0f);
        assertThat(g.get("h.2.mlp.c_proj.bias")).containsOnly(0f);
        // The new block's inputs are a grown copy of source layer 1.
        assertThat(g.get("h.2.ln_1.bias")).isEqualTo(g.get("h.1.ln_1.bias"));
    }

    @Test
    void seededAndRepeatable() throws Exception {
        Fixtures.InMemorySource source = Fixtures.source(SOURCE);
        GrowthPlan plan =
                GrowthPlanner.plan(
                        GrowthOperator.LEMON,
                        Fixtures.gpt2(),
                        source.tensors(),
                        GrowthTarget.parse("hidden=32"),
                        0,
                        GrowthOptions.defaults().withSeed(7));
        assertThat(Fixtures.grow(plan, source).written.get("h.0.mlp.c_fc.weight"))
                .isEqualTo(Fixtures.grow(plan, source).written.get("h.0.mlp.c_fc.weight"));
        assertThat(plan.manifestOptions())
                .containsEntry("seed", "7")
                .containsEntry("schedule.max_lr_factor", "1.0")
                .containsEntry("schedule.decay_steps_factor", "0.6");
    }

    @Test
    void llamaGqaKeepsGroupsAndZeroResidue() throws Exception {
        Fixtures.InMemorySource source =
                Fixtures.source(
                        Fixtures.ROOT
                                .resolve("hyperclone-llama-gqa-x2")
                                .resolve("source.safetensors"));
        GrowthPlan plan =
                GrowthPlanner.plan(
                        GrowthOperator.LEMON,
                        Fixtures.llama(false),
                        source.tensors(),
                        GrowthTarget.parse("hidden=24,layers=3"),
                        0,
                        GrowthOptions.defaults());
        assertThat(plan.target().numHeads()).isEqualTo(6);
        assertThat(plan.target().numKvHeads()).isEqualTo(3);
        Map<String, float[]> g = Fixtures.grow(plan, source).written;
        float[] e = g.get("model.embed_tokens.weight");
        for (int v = 0; v < 24; v++) {
            for (int c = 16; c < 24; c++) {
                assertThat(e[v * 24 + c]).isZero(); // RMSNorm: zero residue, not the average
            }
        }
        assertThat(g.get("model.layers.2.self_attn.o_proj.weight")).isNotNull();
    }

    @Test
    void refusesWhatIsNotExact() throws Exception {
        Fixtures.InMemorySource bert =
                Fixtures.source(
                        Fixtures.ROOT.resolve("hyperclone-bert-x2").resolve("source.safetensors"));
        assertThatThrownBy(
                        () ->
                                GrowthPlanner.plan(
                                        GrowthOperator.LEMON,
                                        Fixtures.bert(),
                                        bert.tensors(),
                                        GrowthTarget.parse("hidden=24"),
                                        0,
                                        GrowthOptions.defaults()))
                .isInstanceOf(GrowthPlanException.class)
                .hasMessageContaining("post-LN bert is exact only for integer width multiples")
                .hasMessageContaining("hidden=16 or 32");
        Fixtures.InMemorySource gpt2 = Fixtures.source(SOURCE);
        assertThatThrownBy(
                        () ->
                                GrowthPlanner.plan(
                                        GrowthOperator.LEMON,
                                        Fixtures.gpt2(),
                                        gpt2.tensors(),
                                        GrowthTarget.parse("layers=5"),
                                        0,
                                        GrowthOptions.defaults()))
                .hasMessageContaining("at most 2×");
        assertThatThrownBy(
                        () ->
                                GrowthPlanner.plan(
                                        GrowthOperator.LEMON,
                                        Fixtures.gpt2(),
                                        gpt2.tensors(),
                                        GrowthTarget.parse("hidden=22"),
                                        0,
                                        GrowthOptions.defaults()))
                .hasMessageContaining("not a multiple of 4")
                .hasMessageContaining("Use hidden=20 or 24");
        assertThatThrownBy(
                        () ->
                                GrowthPlanner.plan(
                                        GrowthOperator.HYPERCLONE,
                                        Fixtures.gpt2(),
                                        gpt2.tensors(),
                                        GrowthTarget.parse("hidden=24"),
                                        0,
                                        GrowthOptions.defaults()))
                .hasMessageContaining("Use hidden=16 or 32, or --op lemon");
        assertThatThrownBy(
                        () ->
                                GrowthPlanner.plan(
                                        GrowthOperator.PAD,
                                        Fixtures.gpt2(),
                                        gpt2.tensors(),
                                        GrowthTarget.parse("hidden=8"),
                                        0,
                                        GrowthOptions.defaults()))
                .hasMessageContaining("smaller than the source's 16");
    }

    @Test
    void planPrintsOneLinePerTensor() throws Exception {
        Fixtures.InMemorySource source = Fixtures.source(SOURCE);
        GrowthPlan plan =
                GrowthPlanner.plan(
                        GrowthOperator.HYPERCLONE,
                        Fixtures.gpt2(),
                        source.tensors(),
                        GrowthTarget.unchanged(),
                        2,
                        GrowthOptions.defaults());
        assertThat(plan.describe())
                .contains(
                        "h.0.attn.c_attn.weight [32, 96] ← h.0.attn.c_attn.weight [16, 48]:"
                                + " hidden 16→32 (2 copies) in × q|k|v 48→96 (2 copies); fan-in ÷copies")
                .contains(
                        "ln_f.weight [32] ← ln_f.weight [16]: hidden 16→32 (2 copies); ×0.500000");
    }
}
