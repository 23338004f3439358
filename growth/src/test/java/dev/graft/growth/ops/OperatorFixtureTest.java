package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deterministic operators against the independent numpy reference: every grown tensor equals the
 * one {@code ops_reference.py} computed from the paper's mapping (within 1e-6 relative; the script
 * computes in float64 and rounds once, Java computes in float32).
 */
class OperatorFixtureTest {

    static Stream<Arguments> cases() {
        GrowthOptions d = GrowthOptions.defaults();
        GrowthOptions untie = d.withTiedHead(GrowthOptions.TiedHead.UNTIE);
        GrowthTarget keep = GrowthTarget.unchanged();
        GrowthTarget l5 = GrowthTarget.parse("layers=5");
        GrowthTarget h24 = GrowthTarget.parse("hidden=24");
        return Stream.of(
                Arguments.of(
                        "hyperclone-gpt2-x2",
                        GrowthOperator.HYPERCLONE,
                        Fixtures.gpt2(),
                        keep,
                        2,
                        d),
                Arguments.of(
                        "hyperclone-gpt2-x2-untie",
                        GrowthOperator.HYPERCLONE,
                        Fixtures.gpt2(),
                        keep,
                        2,
                        untie),
                Arguments.of(
                        "hyperclone-llama-gqa-x2",
                        GrowthOperator.HYPERCLONE,
                        Fixtures.llama(false),
                        keep,
                        2,
                        d),
                Arguments.of(
                        "hyperclone-llama-tied-x3",
                        GrowthOperator.HYPERCLONE,
                        Fixtures.llama(true),
                        keep,
                        3,
                        d),
                Arguments.of(
                        "hyperclone-bert-x2",
                        GrowthOperator.HYPERCLONE,
                        Fixtures.bert(),
                        keep,
                        2,
                        d),
                Arguments.of(
                        "identity-depth-gpt2-L5",
                        GrowthOperator.IDENTITY_DEPTH,
                        Fixtures.gpt2(),
                        l5,
                        0,
                        d),
                Arguments.of(
                        "identity-depth-llama-L5",
                        GrowthOperator.IDENTITY_DEPTH,
                        Fixtures.llama(false),
                        l5,
                        0,
                        d),
                Arguments.of(
                        "identity-depth-bert-L5",
                        GrowthOperator.IDENTITY_DEPTH,
                        Fixtures.bert(),
                        l5,
                        0,
                        d),
                Arguments.of("stack-gpt2-L5", GrowthOperator.STACK, Fixtures.gpt2(), l5, 0, d),
                Arguments.of(
                        "stack-llama-L5", GrowthOperator.STACK, Fixtures.llama(false), l5, 0, d),
                Arguments.of("stack-bert-L5", GrowthOperator.STACK, Fixtures.bert(), l5, 0, d),
                Arguments.of(
                        "pad-zeros-gpt2-16to24", GrowthOperator.PAD, Fixtures.gpt2(), h24, 0, d),
                Arguments.of(
                        "pad-zeros-llama-16to24",
                        GrowthOperator.PAD,
                        Fixtures.llama(false),
                        h24,
                        0,
                        d),
                Arguments.of(
                        "pad-zeros-bert-16to24", GrowthOperator.PAD, Fixtures.bert(), h24, 0, d));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void grownTensorsEqualTheNumpyReference(
            String name,
            GrowthOperator op,
            ArchSpec arch,
            GrowthTarget target,
            int factor,
            GrowthOptions options)
            throws Exception {
        Path dir = Fixtures.ROOT.resolve(name);
        Fixtures.InMemorySource source = Fixtures.source(dir.resolve("source.safetensors"));
        GrowthPlan plan = GrowthPlanner.plan(op, arch, source.tensors(), target, factor, options);
        Fixtures.InMemorySink grown = Fixtures.grow(plan, source);
        assertMatches(grown.written, Fixtures.read(dir.resolve("expected.safetensors")));
    }

    @org.junit.jupiter.api.Test
    void unshareGpt2MarkerEqualsTheReference() throws Exception {
        Path dir = Fixtures.ROOT.resolve("unshare-gpt2");
        Fixtures.InMemorySource source = Fixtures.source(dir.resolve("source.safetensors"));
        GrowthPlan plan =
                Unsharing.plan(
                        Fixtures.gpt2(),
                        source.tensors(),
                        List.of(List.of(0, 1)),
                        GrowthOptions.defaults());
        assertThat(plan.configRemovals()).containsExactly("graft_shared_layers");
        assertMatches(
                Fixtures.grow(plan, source).written,
                Fixtures.read(dir.resolve("expected.safetensors")));
    }

    @org.junit.jupiter.api.Test
    void unshareAlbertEqualsTheReference() throws Exception {
        Path dir = Fixtures.ROOT.resolve("unshare-albert");
        Fixtures.InMemorySource source = Fixtures.source(dir.resolve("source.safetensors"));
        GrowthPlan plan = Unsharing.planAlbert(4, 2, source.tensors(), GrowthOptions.defaults());
        assertThat(plan.configChanges()).containsEntry("num_hidden_groups", "4");
        assertMatches(
                Fixtures.grow(plan, source).written,
                Fixtures.read(dir.resolve("expected.safetensors")));
    }

    static void assertMatches(Map<String, float[]> actual, Map<String, Fixtures.Tensor> expected) {
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, Fixtures.Tensor> e : expected.entrySet()) {
            float[] want = e.getValue().values();
            float[] got = actual.get(e.getKey());
            assertThat(got.length).as(e.getKey() + " length").isEqualTo(want.length);
            for (int i = 0; i < want.length; i++) {
                float tol = 1e-6f * Math.max(1f, Math.abs(want[i]));
                if (Math.abs(got[i] - want[i]) > tol) {
                    throw new AssertionError(
                            e.getKey()
                                    + e.getValue().info().shapeString()
                                    + " flat index "
                                    + i
                                    + ": expected "
                                    + want[i]
                                    + ", got "
                                    + got[i]);
                }
            }
        }
    }
}
