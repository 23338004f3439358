package dev.graft.growth.policy;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.Norm;
import dev.graft.growth.arch.NormPlacement;
import dev.graft.growth.tensor.DType;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GrowthPolicyTest {
    static ArchSpec gpt2(int hidden, int layers, int groups) {
        return new ArchSpec(
                Family.GPT2,
                50257,
                hidden,
                layers,
                hidden / 64,
                hidden / 64,
                64,
                4 * hidden,
                1024,
                Norm.LAYERNORM,
                1e-5,
                NormPlacement.PRE,
                "gelu_new",
                true,
                groups,
                null,
                DType.F32,
                Map.of());
    }

    static ArchSpec llama(int hidden, int layers, int heads, int kvHeads) {
        return new ArchSpec(
                Family.LLAMA,
                32000,
                hidden,
                layers,
                heads,
                kvHeads,
                hidden / heads,
                8 * hidden / 3,
                4096,
                Norm.RMSNORM,
                1e-5,
                NormPlacement.PRE,
                "silu",
                false,
                0,
                10000.0,
                DType.BF16,
                Map.of());
    }

    private final GrowthPolicy doubling = new GrowthPolicy(PolicyRule.doubling(2));

    private static Budget params(long max, Budget.GrowWhen when) {
        return new Budget("b", max, null, null, when);
    }

    @Test
    void growsToTheNextRungWithLemonWhenWidthAndDepthDouble() {
        var act =
                (PolicyOutcome.Act)
                        doubling.onPlateau(
                                new RunFacts(gpt2(768, 12, 0), 0, false, Budget.unlimited()));
        assertThat(act.change()).isEqualTo(SizeChange.GROW);
        assertThat(act.operator()).isEqualTo("lemon");
        assertThat(act.targetArch().hiddenSize()).isEqualTo(1536);
        assertThat(act.targetArch().numLayers()).isEqualTo(24);
        assertThat(act.targetArch().numHeads()).isEqualTo(24);
        assertThat(act.targetArch().intermediateSize()).isEqualTo(6144);
        assertThat(act.options())
                .containsEntry("width_factor", "2")
                .containsEntry("depth_factor", "2");
    }

    @Test
    void anIntegerWidthFactorAloneIsHypercloneAndGqaKeepsItsGroups() {
        GrowthPolicy widthOnly =
                new GrowthPolicy(
                        new PolicyRule(GrowthLadder.byFactors(2, 1, null), "auto", Map.of(), 3));
        var act =
                (PolicyOutcome.Act)
                        widthOnly.onPlateau(
                                new RunFacts(llama(2048, 16, 32, 8), 0, false, Budget.unlimited()));
        assertThat(act.operator()).isEqualTo("hyperclone");
        assertThat(act.targetArch().numHeads()).isEqualTo(64);
        assertThat(act.targetArch().numKvHeads()).isEqualTo(16);
        assertThat(act.targetArch().numLayers()).isEqualTo(16);
        GrowthPolicy oneAndAHalf =
                new GrowthPolicy(
                        new PolicyRule(GrowthLadder.byFactors(1.5, 1, null), "auto", Map.of(), 3));
        var lemon =
                (PolicyOutcome.Act)
                        oneAndAHalf.onPlateau(
                                new RunFacts(gpt2(768, 12, 0), 0, false, Budget.unlimited()));
        assertThat(lemon.operator()).isEqualTo("lemon");
        assertThat(lemon.targetArch().hiddenSize()).isEqualTo(1152);
        assertThat(lemon.options()).containsEntry("width_factor", "1.5");
    }

    @Test
    void sharedLayersAreUntiedFirstAndLimitsAndBudgetsHold() {
        var unshare =
                (PolicyOutcome.Act)
                        doubling.onPlateau(
                                new RunFacts(gpt2(768, 12, 1), 0, false, Budget.unlimited()));
        assertThat(unshare.change()).isEqualTo(SizeChange.UNSHARE);
        assertThat(unshare.targetArch().numLayerGroups()).isZero();
        assertThat(Footprint.of(gpt2(768, 12, 1)).parameters())
                .isLessThan(Footprint.of(gpt2(768, 12, 0)).parameters());

        assertThat(doubling.onPlateau(new RunFacts(gpt2(768, 12, 0), 2, false, Budget.unlimited())))
                .isInstanceOfSatisfying(
                        PolicyOutcome.Hold.class,
                        h -> assertThat(h.code()).isEqualTo("MAX_GROWTHS"));
        assertThat(doubling.onPlateau(new RunFacts(gpt2(768, 12, 0), 0, true, Budget.unlimited())))
                .isInstanceOfSatisfying(
                        PolicyOutcome.Hold.class, h -> assertThat(h.code()).isEqualTo("HELD"));
        assertThat(
                        doubling.onPlateau(
                                new RunFacts(
                                        gpt2(768, 12, 0),
                                        0,
                                        false,
                                        params(300_000_000L, Budget.GrowWhen.AT_NEXT_PLATEAU))))
                .isInstanceOfSatisfying(
                        PolicyOutcome.Hold.class, h -> assertThat(h.code()).isEqualTo("BUDGET"));
        assertThat(
                        doubling.onPlateau(
                                new RunFacts(
                                        null, 0, false, params(1L << 40, Budget.GrowWhen.NOW))))
                .isInstanceOfSatisfying(
                        PolicyOutcome.Hold.class,
                        h -> assertThat(h.code()).isEqualTo("ARCH_UNKNOWN"));
        var blind =
                (PolicyOutcome.Act)
                        doubling.onPlateau(new RunFacts(null, 0, false, Budget.unlimited()));
        assertThat(blind.targetArch()).isNull();
        assertThat(blind.options()).containsEntry("width_factor", "2");
    }

    @Test
    void overBudgetShrinksToTheLargestRungThatFitsAndRoomGrowsNowWhenAsked() {
        ArchSpec big = gpt2(3072, 48, 0);
        var shrink =
                (PolicyOutcome.Act)
                        doubling.onBudget(
                                new RunFacts(
                                        big,
                                        0,
                                        false,
                                        params(800_000_000L, Budget.GrowWhen.NEVER)));
        assertThat(shrink.change()).isEqualTo(SizeChange.SHRINK);
        assertThat(shrink.operator()).isEqualTo("subclone");
        assertThat(shrink.targetArch().hiddenSize()).isEqualTo(1536);
        assertThat(Footprint.of(shrink.targetArch()).parameters())
                .isLessThanOrEqualTo(800_000_000L);
        assertThat(shrink.options()).containsEntry("width_factor", "0.5");

        var now =
                (PolicyOutcome.Act)
                        doubling.onBudget(
                                new RunFacts(
                                        gpt2(768, 12, 0),
                                        0,
                                        false,
                                        params(1L << 40, Budget.GrowWhen.NOW)));
        assertThat(now.change()).isEqualTo(SizeChange.GROW);
        assertThat(
                        doubling.onBudget(
                                new RunFacts(
                                        gpt2(768, 12, 0),
                                        0,
                                        false,
                                        params(1L << 40, Budget.GrowWhen.AT_NEXT_PLATEAU))))
                .isInstanceOf(PolicyOutcome.Hold.class);
    }

    @Test
    void anExplicitLadderAndItsTop() {
        GrowthLadder ladder =
                GrowthLadder.of(
                        List.of(
                                new GrowthLadder.Rung(768, 12),
                                new GrowthLadder.Rung(1024, 24),
                                new GrowthLadder.Rung(1536, 24)),
                        400_000_000L);
        assertThat(ladder.next(gpt2(768, 12, 0)))
                .get()
                .extracting(ArchSpec::hiddenSize)
                .isEqualTo(1024);
        assertThat(ladder.next(gpt2(1024, 24, 0))).isEmpty(); // 1536x24 is above 400 M
        assertThat(ladder.below(gpt2(1536, 24, 0)))
                .extracting(ArchSpec::hiddenSize)
                .containsExactly(1024, 768);
    }

    @Test
    void commandsAreValidatedAndNeverExceedTheBudget() {
        RunFacts facts =
                new RunFacts(
                        gpt2(768, 12, 0), 5, true, params(300_000_000L, Budget.GrowWhen.NEVER));
        assertThat(doubling.onCommand(facts, new CommandRequest(SizeChange.GROW, null, null, null)))
                .isInstanceOfSatisfying(
                        PolicyOutcome.Reject.class,
                        r -> assertThat(r.code()).isEqualTo("BUDGET_EXCEEDED"));
        assertThat(
                        doubling.onCommand(
                                facts,
                                new CommandRequest(SizeChange.GROW, gpt2(512, 8, 0), null, null)))
                .isInstanceOfSatisfying(
                        PolicyOutcome.Reject.class,
                        r -> assertThat(r.reason()).contains("use SHRINK"));
        assertThat(
                        doubling.onCommand(
                                facts, new CommandRequest(SizeChange.UNSHARE, null, null, null)))
                .isInstanceOf(PolicyOutcome.Reject.class);
        var shrink =
                (PolicyOutcome.Act)
                        doubling.onCommand(
                                facts, new CommandRequest(SizeChange.SHRINK, null, null, null));
        assertThat(shrink.targetArch().hiddenSize()).isEqualTo(384);
        var grow =
                (PolicyOutcome.Act)
                        doubling.onCommand(
                                new RunFacts(gpt2(768, 12, 0), 5, true, Budget.unlimited()),
                                new CommandRequest(
                                        SizeChange.GROW, null, "stack", Map.of("init", "x")));
        assertThat(grow.operator()).isEqualTo("stack");
        assertThat(grow.options()).containsEntry("init", "x");
    }
}
