package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.LayoutVariant;
import dev.graft.growth.arch.Norm;
import dev.graft.growth.arch.NormPlacement;
import dev.graft.growth.arch.TensorLayout;
import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.TensorInfo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TensorGroupsTest {

    private static TensorMapping copy(String name, long elements) {
        TensorInfo t = new TensorInfo(name, DType.F32, new long[] {elements});
        return new TensorMapping(t, t, TensorRule.copy());
    }

    /** A GPT-2 of 12 layers grown 2× in width by hyperclone: 148 tensors of very unequal sizes. */
    private static GrowthPlan gpt2Plan() {
        ArchSpec arch =
                new ArchSpec(
                        Family.GPT2,
                        1000,
                        64,
                        12,
                        4,
                        4,
                        16,
                        256,
                        128,
                        Norm.LAYERNORM,
                        1e-5,
                        NormPlacement.PRE,
                        "gelu_new",
                        true,
                        0,
                        null,
                        DType.F32,
                        Map.of());
        List<TensorInfo> tensors = new ArrayList<>();
        for (var e : TensorLayout.expected(arch, LayoutVariant.hubDefault(Family.GPT2))) {
            if (e.isRequired()) {
                tensors.add(new TensorInfo(e.name(), DType.F32, e.shape()));
            }
        }
        return GrowthPlanner.plan(
                GrowthOperator.HYPERCLONE,
                arch,
                tensors,
                GrowthTarget.unchanged(),
                2,
                GrowthOptions.defaults());
    }

    @Test
    void largestFirstIntoTheLightestGroup() {
        // Worked by hand: 10→g0, 7→g1, 5→g1 (12), 4→g0 (14), 3→g1 (15), 1→g0 (15).
        List<TensorMapping> m =
                List.of(
                        copy("a", 5),
                        copy("b", 10),
                        copy("c", 1),
                        copy("d", 7),
                        copy("e", 3),
                        copy("f", 4));
        TensorGroups groups = TensorGroups.split(m, 2);
        assertThat(groups.group(0).mappings())
                .extracting(x -> x.target().name())
                .containsExactly("b", "c", "f");
        assertThat(groups.group(1).mappings())
                .extracting(x -> x.target().name())
                .containsExactly("a", "d", "e");
        assertThat(groups.group(0).targetBytes()).isEqualTo(15 * 4);
        assertThat(groups.group(1).targetBytes()).isEqualTo(15 * 4);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 7, 16})
    void everyTargetTensorInExactlyOneGroupAndBalanced(int count) {
        GrowthPlan plan = gpt2Plan();
        TensorGroups groups = TensorGroups.split(plan.mappings(), count);

        assertThat(groups.size()).isEqualTo(count);
        Map<String, Integer> seen = new HashMap<>();
        List<String> planOrder = plan.targetTensors().stream().map(TensorInfo::name).toList();
        long total = 0;
        for (TensorGroups.Group g : groups.groups()) {
            assertThat(g.mappings()).as("group %d", g.index()).isNotEmpty();
            int last = -1;
            for (TensorMapping m : g.mappings()) {
                assertThat(seen.put(m.target().name(), g.index()))
                        .as("%s in one group", m.target().name())
                        .isNull();
                int at = planOrder.indexOf(m.target().name());
                assertThat(at).as("plan order inside group %d", g.index()).isGreaterThan(last);
                last = at;
            }
            total += g.targetBytes();
        }
        assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(planOrder);
        assertThat(total).isEqualTo(plan.targetBytes());

        // No split beats max(mean, largest tensor); greedy LPT stays within 4/3 of the best.
        long largestTensor = plan.largestTargetBytes();
        double lowerBound = Math.max((double) total / count, largestTensor);
        assertThat((double) groups.largestGroupBytes()).isLessThanOrEqualTo(lowerBound * 4 / 3);
    }

    @Test
    void twoGroupsOfAGpt2AreWithinOnePercent() {
        GrowthPlan plan = gpt2Plan();
        TensorGroups groups = TensorGroups.split(plan.mappings(), 2);
        double half = plan.targetBytes() / 2.0;
        assertThat(groups.largestGroupBytes() / half).isBetween(1.0, 1.01);
    }

    @Test
    void emptyTensorsStillFillEveryGroup() {
        List<TensorMapping> m = List.of(copy("a", 0), copy("b", 0), copy("c", 0));
        TensorGroups groups = TensorGroups.split(m, 3);
        assertThat(groups.groups()).allSatisfy(g -> assertThat(g.mappings()).hasSize(1));
    }

    @Test
    void refusesMoreGroupsThanTensors() {
        assertThatThrownBy(() -> TensorGroups.split(List.of(copy("a", 4), copy("b", 4)), 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot split 2 target tensors into 3 groups")
                .hasMessageContaining("expected 1 to 2");
        assertThatThrownBy(() -> TensorGroups.split(List.of(copy("a", 4)), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countFollowsThresholdWorkersAndShardSize() {
        long gb = 1_000_000_000L;
        // Below the threshold: one piece, whatever the workers.
        assertThat(TensorGroups.count(gb - 1, 100, gb, 0, 4, 5 * gb)).isEqualTo(1);
        // At or above it: one group per worker, or as asked.
        assertThat(TensorGroups.count(gb, 100, gb, 0, 4, 5 * gb)).isEqualTo(4);
        assertThat(TensorGroups.count(gb, 100, gb, 3, 4, 5 * gb)).isEqualTo(3);
        // Never a shard above the shard size: 12 GB in shards of 5 GB needs 3.
        assertThat(TensorGroups.count(12 * gb, 100, gb, 2, 2, 5 * gb)).isEqualTo(3);
        // Never more groups than tensors.
        assertThat(TensorGroups.count(gb, 2, 0, 8, 8, 5 * gb)).isEqualTo(2);
        assertThat(TensorGroups.count(gb, 1, 0, 8, 8, 5 * gb)).isEqualTo(1);
        assertThatThrownBy(() -> TensorGroups.count(gb, 2, -1, 0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
