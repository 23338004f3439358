package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.model.TransformerModel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shrink plans against the independent numpy reference ({@code
 * src/test/python/shrink_reference.py}, fixtures under {@code src/test/resources/shrink/}): the
 * importance scores, the indices chosen from them and every shrunk tensor. Select copies values, so
 * its tensors are equal exactly; magnitude and subclone multiply by √(d/d′) (float32 here, float64
 * rounded once there), and subclone's activations come from two different forward passes (F32 ND4J
 * vs float64 numpy).
 */
class ShrinkFixtureTest {

    /** The script's source models: the ops fixtures' sizes with 4 layers. */
    static ArchSpec arch(String family) {
        ArchSpec a =
                switch (family) {
                    case "gpt2" -> Fixtures.gpt2();
                    case "llama" -> Fixtures.llama(false);
                    default -> Fixtures.bert();
                };
        return Sizes.resized(
                a,
                a.hiddenSize(),
                4,
                a.numHeads(),
                a.numKvHeads(),
                a.intermediateSize(),
                a.normEps(),
                a.tieWordEmbeddings());
    }

    static final Map<String, String> TARGETS =
            Map.of(
                    "gpt2", "hidden=8,layers=2,ffn=32",
                    "llama", "hidden=12,layers=3,ffn=16,heads=2",
                    "bert", "hidden=8,layers=2,ffn=16");

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String op : List.of("select", "magnitude", "subclone")) {
            for (String family : List.of("gpt2", "llama", "bert")) {
                out.add(Arguments.of(op + "-" + family, GrowthOperator.fromName(op), family));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shrunkTensorsEqualTheNumpyReference(String name, GrowthOperator op, String family)
            throws Exception {
        Path dir = Path.of("src/test/resources/shrink").resolve(name);
        ArchSpec arch = arch(family);
        Fixtures.InMemorySource source = Fixtures.source(dir.resolve("source.safetensors"));
        Map<String, Fixtures.Tensor> reference =
                Fixtures.read(dir.resolve("importance.safetensors"));
        Importance importance = null;
        double scoreTolerance = 1e-9;
        if (op == GrowthOperator.MAGNITUDE) {
            importance = WeightMagnitude.of(arch, source);
        } else if (op == GrowthOperator.SUBCLONE) {
            try (TransformerModel model = TransformerModel.of(arch, source)) {
                importance = ActivationImportance.measure(model, calibration(dir));
            }
            scoreTolerance = 1e-5;
        }
        if (importance != null) {
            assertClose(
                    "hidden scores",
                    importance.hidden(),
                    reference,
                    "score.hidden",
                    scoreTolerance);
            assertClose(
                    "head scores",
                    flat(importance.heads()),
                    reference,
                    "score.heads",
                    scoreTolerance);
            assertClose(
                    "ffn scores", flat(importance.ffn()), reference, "score.ffn", scoreTolerance);
            if (reference.containsKey("score.blocks")) {
                assertClose(
                        "block scores",
                        importance.blocks(),
                        reference,
                        "score.blocks",
                        scoreTolerance);
            }
            GrowthTarget t = GrowthTarget.parse(TARGETS.get(family));
            assertThat(Importance.top(importance.hidden(), t.hidden()))
                    .as("kept hidden channels")
                    .containsExactly(ints(reference.get("hidden")));
            for (int l = 0; l < arch.numLayers(); l++) {
                assertThat(Importance.top(importance.ffn()[l], t.ffn()))
                        .as("kept FFN neurons of layer " + l)
                        .containsExactly(ints(reference.get("ffn." + l)));
            }
        }
        GrowthPlan plan =
                Shrinking.plan(
                        op,
                        arch,
                        source.tensors(),
                        GrowthTarget.parse(TARGETS.get(family)),
                        importance,
                        Shrinking.Settings.defaults(),
                        GrowthOptions.defaults());
        Map<String, float[]> written = Fixtures.grow(plan, source).written;
        Map<String, Fixtures.Tensor> expected = Fixtures.read(dir.resolve("expected.safetensors"));
        assertThat(written.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        double tolerance =
                op == GrowthOperator.SELECT ? 0 : op == GrowthOperator.MAGNITUDE ? 1e-6 : 1e-5;
        for (Map.Entry<String, Fixtures.Tensor> e : expected.entrySet()) {
            float[] want = e.getValue().values();
            float[] got = written.get(e.getKey());
            assertThat(got.length).as(e.getKey()).isEqualTo(want.length);
            for (int i = 0; i < want.length; i++) {
                double bound = tolerance * Math.max(1, Math.abs(want[i]));
                assertThat((double) Math.abs(got[i] - want[i]))
                        .as("%s[%d]: %s vs numpy %s", e.getKey(), i, got[i], want[i])
                        .isLessThanOrEqualTo(bound);
            }
        }
    }

    static List<int[]> calibration(Path dir) throws Exception {
        List<int[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("calibration.txt"))) {
            if (!line.isBlank()) {
                out.add(
                        Arrays.stream(line.trim().split("\\s+"))
                                .mapToInt(Integer::parseInt)
                                .toArray());
            }
        }
        return out;
    }

    private static double[] flat(double[][] a) {
        return Arrays.stream(a).flatMapToDouble(Arrays::stream).toArray();
    }

    private static int[] ints(Fixtures.Tensor t) {
        return Arrays.stream(t.doubles()).mapToInt(d -> (int) d).toArray();
    }

    private static void assertClose(
            String what, double[] got, Map<String, Fixtures.Tensor> ref, String key, double tol) {
        double[] want = ref.get(key).doubles();
        assertThat(got.length).as(what).isEqualTo(want.length);
        double scale = Arrays.stream(want).map(Math::abs).max().orElse(1);
        for (int i = 0; i < want.length; i++) {
            assertThat(Math.abs(got[i] - want[i]))
                    .as("%s[%d]: %s vs numpy %s", what, i, got[i], want[i])
                    .isLessThanOrEqualTo(tol * scale);
        }
    }
}
