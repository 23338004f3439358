package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.LayoutVariant;
import dev.graft.growth.arch.Norm;
import dev.graft.growth.arch.NormPlacement;
import dev.graft.growth.model.MapTensorSource;
import dev.graft.growth.model.ModelInput;
import dev.graft.growth.model.ModelOutput;
import dev.graft.growth.model.TransformerModel;
import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.TensorInfo;
import dev.graft.growth.verify.Claim;
import dev.graft.growth.verify.Probes;
import dev.graft.growth.verify.Verification;
import dev.graft.growth.verify.Verifier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Function preservation through Graft's own forward pass, for every family × operator: a small
 * random model is grown by the operator, both run through {@link TransformerModel} on the same
 * seeded probes (encoders with token types and padding), and {@link Verifier} measures the logits.
 * A plan that says it is exact ({@link Exactness}) must pass {@link Claim#exact()} (relative
 * |Δlogit| ≤ 1e-4, F32 rounding level); an approximate one is only measured: it must be finite, and
 * above 1e-4 (an approximate plan that preserved the function would undersell itself).
 *
 * <p>The random sources have non-trivial norm gains ({@code 1 + N(0, 0.2²)}) and biases ({@code
 * N(0, 0.1²)}) everywhere, so a rule that forgets to tile, rescale or zero a norm parameter or a
 * bias shows. The measured table in {@code docs/operators.md} is generated from these cases:
 *
 * <pre>
 * mvn -B -o -q -pl growth -am verify -Dspotless.check.skip=true -Dtest=FunctionPreservationTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dgraft.docs.write=true
 * </pre>
 *
 * <p>Without {@code graft.docs.write} the test checks that the table is current.
 */
class FunctionPreservationTest {

    static final Path DOCS = Path.of("../docs/operators.md");
    static final String BEGIN = "<!-- java-dlogit:begin (FunctionPreservationTest) -->";
    static final String END = "<!-- java-dlogit:end -->";
    static final String REGENERATE =
            "mvn -B -o -q -pl growth -am verify -Dspotless.check.skip=true"
                    + " -Dtest=FunctionPreservationTest -Dsurefire.failIfNoSpecifiedTests=false"
                    + " -Dgraft.docs.write=true";

    private static final long SEED = 2026;
    private static final int SEQUENCES = 2;
    private static final int TOKENS = 12;
    private static final int VOCAB = 96;

    private static final LayoutVariant GPT2_BARE =
            new LayoutVariant("", false, false, false, false);
    private static final LayoutVariant GPT2_PREFIX =
            new LayoutVariant("transformer.", false, false, false, false);
    private static final LayoutVariant LLAMA =
            new LayoutVariant("model.", false, false, false, false);
    private static final LayoutVariant BERT_MLM =
            new LayoutVariant("bert.", false, true, true, false);
    private static final LayoutVariant ALBERT_MLM =
            new LayoutVariant("albert.", false, false, true, false);

    /** A family × operator × target case. */
    record Case(
            String name,
            String family,
            String operator,
            ArchSpec arch,
            LayoutVariant variant,
            Planner planner,
            List<List<Integer>> sharedLayers,
            String numpyCase) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Plans a growth of the source architecture over its stored tensors. */
    @FunctionalInterface
    interface Planner {
        GrowthPlan plan(ArchSpec arch, List<TensorInfo> tensors);
    }

    /** One row of the table. */
    record Measured(Case c, boolean exact, Verification v) {}

    private static final Map<String, Measured> MEASURED = new ConcurrentHashMap<>();

    // ------------------------------------------------------------------ architectures

    static ArchSpec gpt2(int hidden, int layers, int heads) {
        return arch(Family.GPT2, hidden, layers, heads, heads, hidden / heads, 4 * hidden, true);
    }

    static ArchSpec llamaLike(Family f, int hidden, int layers, int heads, int kv, boolean tied) {
        return arch(f, hidden, layers, heads, kv, hidden / heads, 2 * hidden + 8, tied);
    }

    /** Llama with an explicit head_dim and extra settings (attention_bias, mlp_bias). */
    static ArchSpec llamaWith(int headDim, Map<String, String> extra) {
        return new ArchSpec(
                Family.LLAMA,
                VOCAB,
                16,
                2,
                4,
                2,
                headDim,
                40,
                64,
                Norm.RMSNORM,
                1e-6,
                NormPlacement.PRE,
                "silu",
                false,
                0,
                10000.0,
                DType.F32,
                extra);
    }

    static ArchSpec bert(int hidden, int layers, int heads) {
        return arch(Family.BERT, hidden, layers, heads, heads, hidden / heads, 2 * hidden, true);
    }

    static ArchSpec albert(int hidden, int layers, int groups) {
        return new ArchSpec(
                Family.ALBERT,
                VOCAB,
                hidden,
                layers,
                4,
                4,
                hidden / 4,
                2 * hidden,
                16,
                Norm.LAYERNORM,
                1e-12,
                NormPlacement.POST,
                "gelu_new",
                true,
                groups,
                null,
                DType.F32,
                Map.of("embedding_size", "16", "type_vocab_size", "2", "inner_group_num", "1"));
    }

    /** GPT-2 with {@code scale_attn_by_inverse_layer_idx}: block {@code l}'s scores ÷(l+1). */
    static ArchSpec scaledByLayer(ArchSpec a) {
        return new ArchSpec(
                a.family(),
                a.vocabSize(),
                a.hiddenSize(),
                a.numLayers(),
                a.numHeads(),
                a.numKvHeads(),
                a.headDim(),
                a.intermediateSize(),
                a.maxPositions(),
                a.norm(),
                a.normEps(),
                a.normPlacement(),
                a.activation(),
                a.tieWordEmbeddings(),
                a.numLayerGroups(),
                a.ropeTheta(),
                a.dtype(),
                Map.of("scale_attn_by_inverse_layer_idx", "true"));
    }

    /**
     * The same architecture with a large norm ε: with ε ≪ the activations' variance a wrong ε
     * (LEMON must scale it by kd/D) moves logits by less than F32 rounding and hides.
     */
    static ArchSpec withEps(ArchSpec a, double eps) {
        return new ArchSpec(
                a.family(),
                a.vocabSize(),
                a.hiddenSize(),
                a.numLayers(),
                a.numHeads(),
                a.numKvHeads(),
                a.headDim(),
                a.intermediateSize(),
                a.maxPositions(),
                a.norm(),
                eps,
                a.normPlacement(),
                a.activation(),
                a.tieWordEmbeddings(),
                a.numLayerGroups(),
                a.ropeTheta(),
                a.dtype(),
                a.extra());
    }

    private static ArchSpec arch(
            Family f,
            int hidden,
            int layers,
            int heads,
            int kv,
            int headDim,
            int ffn,
            boolean tied) {
        boolean llama = f.isLlamaLike();
        boolean encoder = f.isEncoder();
        return new ArchSpec(
                f,
                VOCAB,
                hidden,
                layers,
                heads,
                kv,
                headDim,
                ffn,
                llama ? 64 : 16,
                llama ? Norm.RMSNORM : Norm.LAYERNORM,
                llama ? 1e-6 : encoder ? 1e-12 : 1e-5,
                encoder ? NormPlacement.POST : NormPlacement.PRE,
                llama ? "silu" : encoder ? "gelu" : "gelu_new",
                tied,
                0,
                llama ? (f == Family.QWEN2 ? 1e6 : 10000.0) : null,
                DType.F32,
                encoder ? Map.of("type_vocab_size", "2") : Map.of());
    }

    // ------------------------------------------------------------------ cases

    static Planner op(GrowthOperator operator, String to, int factor) {
        return op(operator, to, factor, GrowthOptions.defaults());
    }

    static Planner op(GrowthOperator operator, String to, int factor, GrowthOptions options) {
        return (a, t) ->
                GrowthPlanner.plan(
                        operator, a, t, GrowthTarget.parse(to), factor, options.withSeed(SEED));
    }

    static Planner marker(List<List<Integer>> groups) {
        return (a, t) -> Unsharing.plan(a, t, groups, GrowthOptions.defaults().withSeed(SEED));
    }

    static Case c(
            String name,
            String operator,
            ArchSpec arch,
            LayoutVariant variant,
            Planner planner,
            String numpyCase) {
        return new Case(
                name,
                arch.family().modelType(),
                operator,
                arch,
                variant,
                planner,
                List.of(),
                numpyCase);
    }

    static List<Case> cases() {
        GrowthOptions d = GrowthOptions.defaults();
        GrowthOptions untie = d.withTiedHead(GrowthOptions.TiedHead.UNTIE);
        GrowthOptions noise = d.withCloneNoise(0.1);
        GrowthOptions small = d.withPad(GrowthOptions.PadInit.SMALL, 0.02);
        GrowthOperator hc = GrowthOperator.HYPERCLONE;
        GrowthOperator lemon = GrowthOperator.LEMON;
        GrowthOperator id = GrowthOperator.IDENTITY_DEPTH;
        GrowthOperator stack = GrowthOperator.STACK;
        GrowthOperator pad = GrowthOperator.PAD;
        ArchSpec g = gpt2(16, 2, 4);
        ArchSpec g3 = gpt2(16, 3, 4);
        ArchSpec lu = llamaLike(Family.LLAMA, 16, 2, 4, 2, false);
        ArchSpec lt = llamaLike(Family.LLAMA, 16, 2, 4, 2, true);
        ArchSpec lm = llamaLike(Family.LLAMA, 16, 2, 4, 1, false);
        ArchSpec q = llamaLike(Family.QWEN2, 16, 2, 4, 2, false);
        ArchSpec m = llamaLike(Family.MISTRAL, 16, 2, 4, 2, true);
        ArchSpec b = bert(16, 2, 4);
        List<Case> out = new ArrayList<>();
        // HyperCloning
        out.add(
                c(
                        "hyperclone ×2",
                        "hyperclone",
                        g,
                        GPT2_BARE,
                        op(hc, "", 2),
                        "hyperclone-gpt2-x2"));
        out.add(
                c(
                        "hyperclone ×3, transformer.",
                        "hyperclone",
                        g,
                        GPT2_PREFIX,
                        op(hc, "", 3),
                        null));
        out.add(
                c(
                        "hyperclone ×2, untied head",
                        "hyperclone",
                        g,
                        GPT2_BARE,
                        op(hc, "", 2, untie),
                        "hyperclone-gpt2-x2-untie"));
        out.add(
                c(
                        "hyperclone ×2, clone noise 0.1",
                        "hyperclone",
                        g,
                        GPT2_BARE,
                        op(hc, "", 2, noise),
                        null));
        out.add(
                c(
                        "hyperclone ×2, GQA 4/2, untied",
                        "hyperclone",
                        lu,
                        LLAMA,
                        op(hc, "", 2),
                        "hyperclone-llama-gqa-x2"));
        out.add(
                c(
                        "hyperclone ×3, GQA 4/2, tied",
                        "hyperclone",
                        lt,
                        LLAMA,
                        op(hc, "", 3),
                        "hyperclone-llama-tied-x3"));
        out.add(
                c(
                        "hyperclone ×2, tied → untie",
                        "hyperclone",
                        lt,
                        LLAMA,
                        op(hc, "", 2, untie),
                        null));
        out.add(c("hyperclone ×2, MQA 4/1", "hyperclone", lm, LLAMA, op(hc, "", 2), null));
        out.add(c("hyperclone ×2, Q/K/V biases", "hyperclone", q, LLAMA, op(hc, "", 2), null));
        out.add(c("hyperclone ×2, tied", "hyperclone", m, LLAMA, op(hc, "", 2), null));
        out.add(
                c(
                        "hyperclone ×2, MLM head",
                        "hyperclone",
                        b,
                        BERT_MLM,
                        op(hc, "", 2),
                        "hyperclone-bert-x2"));
        out.add(
                c(
                        "hyperclone ×3, GQA, tied, ε 0.5",
                        "hyperclone",
                        withEps(lt, 0.5),
                        LLAMA,
                        op(hc, "", 3),
                        null));
        out.add(
                c(
                        "hyperclone ×3, ε 0.5",
                        "hyperclone",
                        withEps(g, 0.5),
                        GPT2_BARE,
                        op(hc, "", 3),
                        null));
        out.add(c("hyperclone ×3, MLM head", "hyperclone", b, BERT_MLM, op(hc, "", 3), null));
        // LEMON
        out.add(
                c(
                        "lemon 16→24 (non-multiple)",
                        "lemon",
                        g,
                        GPT2_BARE,
                        op(lemon, "hidden=24", 0),
                        null));
        out.add(
                c(
                        "lemon 16→24, 2→3 layers",
                        "lemon",
                        g,
                        GPT2_BARE,
                        op(lemon, "hidden=24,layers=3", 0),
                        "lemon-gpt2-16to24-L3"));
        out.add(
                c(
                        "lemon 16→32, 2→4 layers, transformer.",
                        "lemon",
                        g,
                        GPT2_PREFIX,
                        op(lemon, "hidden=32,layers=4", 0),
                        "lemon-gpt2-16to32-L4"));
        out.add(
                c(
                        "lemon 16→24, 2→3 layers, ε 0.5",
                        "lemon",
                        withEps(g, 0.5),
                        GPT2_BARE,
                        op(lemon, "hidden=24,layers=3", 0),
                        null));
        out.add(c("lemon ffn 64→96", "lemon", g, GPT2_BARE, op(lemon, "ffn=96", 0), null));
        out.add(c("lemon 3→5 layers", "lemon", g3, GPT2_BARE, op(lemon, "layers=5", 0), null));
        out.add(
                c(
                        "lemon 16→40, ffn 160, 2→4 layers, untied",
                        "lemon",
                        g,
                        GPT2_BARE,
                        op(lemon, "hidden=40,ffn=160,layers=4", 0, untie),
                        null));
        out.add(
                c(
                        "lemon 16→24, GQA, 2→3 layers",
                        "lemon",
                        lu,
                        LLAMA,
                        op(lemon, "hidden=24,layers=3", 0),
                        "lemon-llama-gqa-16to24-L3"));
        out.add(
                c(
                        "lemon 16→40, tied, 2→4 layers",
                        "lemon",
                        lt,
                        LLAMA,
                        op(lemon, "hidden=40,layers=4", 0),
                        "lemon-llama-tied-16to40-L4"));
        out.add(
                c(
                        "lemon heads 4→8, kv 2→4 (hidden kept)",
                        "lemon",
                        lu,
                        LLAMA,
                        op(lemon, "heads=8,kv_heads=4", 0),
                        null));
        out.add(
                c(
                        "lemon 16→40, tied, 2→4 layers, ε 0.5",
                        "lemon",
                        withEps(lt, 0.5),
                        LLAMA,
                        op(lemon, "hidden=40,layers=4", 0),
                        null));
        out.add(c("lemon ffn 40→56", "lemon", lu, LLAMA, op(lemon, "ffn=56", 0), null));
        out.add(
                c(
                        "lemon 16→28, heads 4→8, ffn 72, 2→4 layers, tied → untie",
                        "lemon",
                        lt,
                        LLAMA,
                        op(lemon, "hidden=28,heads=8,kv_heads=4,ffn=72,layers=4", 0, untie),
                        null));
        out.add(
                c(
                        "lemon 16→32, 2→3 layers, MQA",
                        "lemon",
                        lm,
                        LLAMA,
                        op(lemon, "hidden=32,layers=3", 0),
                        null));
        out.add(
                c(
                        "lemon 16→24, 2→3 layers, Q/K/V biases",
                        "lemon",
                        q,
                        LLAMA,
                        op(lemon, "hidden=24,layers=3", 0),
                        null));
        out.add(
                c(
                        "lemon 16→24, 2→4 layers, tied",
                        "lemon",
                        m,
                        LLAMA,
                        op(lemon, "hidden=24,layers=4", 0),
                        null));
        out.add(
                c(
                        "lemon 16→32 (×2), MLM head",
                        "lemon",
                        b,
                        BERT_MLM,
                        op(lemon, "hidden=32", 0),
                        null));
        out.add(
                c(
                        "lemon 16→48 (×3), MLM head, ε 0.5",
                        "lemon",
                        withEps(b, 0.5),
                        BERT_MLM,
                        op(lemon, "hidden=48", 0),
                        null));
        out.add(
                c(
                        "lemon 16→48 (×3), ffn ×3, MLM head",
                        "lemon",
                        b,
                        BERT_MLM,
                        op(lemon, "hidden=48,ffn=96", 0),
                        null));
        // Llama options: O and MLP biases, head_dim ≠ hidden/heads, bare names; legacy bert names
        ArchSpec lb = llamaWith(4, Map.of("attention_bias", "true", "mlp_bias", "true"));
        ArchSpec lh = llamaWith(8, Map.of());
        LayoutVariant llamaBare = new LayoutVariant("", false, false, false, false);
        LayoutVariant bertLegacy = new LayoutVariant("", true, false, true, false);
        out.add(
                c(
                        "hyperclone ×2, attention+MLP biases",
                        "hyperclone",
                        lb,
                        LLAMA,
                        op(hc, "", 2),
                        null));
        out.add(
                c(
                        "lemon 16→24, 2→3 layers, attention+MLP biases",
                        "lemon",
                        lb,
                        LLAMA,
                        op(lemon, "hidden=24,layers=3", 0),
                        null));
        out.add(
                c(
                        "identity-depth 2→4, attention+MLP biases",
                        "identity-depth",
                        lb,
                        LLAMA,
                        op(id, "layers=4", 0),
                        null));
        out.add(
                c(
                        "hyperclone ×2, head_dim 8 ≠ 16/4, bare names",
                        "hyperclone",
                        lh,
                        llamaBare,
                        op(hc, "", 2),
                        null));
        out.add(
                c(
                        "lemon 16→24, heads 4→8, head_dim 8 ≠ 16/4, 2→3 layers",
                        "lemon",
                        lh,
                        LLAMA,
                        op(lemon, "hidden=24,heads=8,kv_heads=4,layers=3", 0),
                        null));
        out.add(
                c(
                        "hyperclone ×2, gamma/beta names, bare",
                        "hyperclone",
                        b,
                        bertLegacy,
                        op(hc, "", 2),
                        null));
        out.add(
                c(
                        "lemon 16→32 (×2), gamma/beta names, bare",
                        "lemon",
                        b,
                        bertLegacy,
                        op(lemon, "hidden=32", 0),
                        null));
        // Depth
        out.add(
                c(
                        "identity-depth 2→5",
                        "identity-depth",
                        g,
                        GPT2_BARE,
                        op(id, "layers=5", 0),
                        "identity-depth-gpt2-L5"));
        out.add(
                c(
                        "identity-depth 2→5",
                        "identity-depth",
                        lu,
                        LLAMA,
                        op(id, "layers=5", 0),
                        "identity-depth-llama-L5"));
        out.add(c("identity-depth 2→4", "identity-depth", q, LLAMA, op(id, "layers=4", 0), null));
        out.add(
                c(
                        "identity-depth 2→5",
                        "identity-depth",
                        b,
                        BERT_MLM,
                        op(id, "layers=5", 0),
                        "identity-depth-bert-L5"));
        out.add(c("stack 2→5", "stack", g, GPT2_BARE, op(stack, "layers=5", 0), "stack-gpt2-L5"));
        out.add(c("stack 2→5", "stack", lu, LLAMA, op(stack, "layers=5", 0), "stack-llama-L5"));
        out.add(c("stack 2→5", "stack", b, BERT_MLM, op(stack, "layers=5", 0), "stack-bert-L5"));
        // GPT-2 scores ÷(layer+1): a block that moves to another index needs its queries rescaled
        ArchSpec gs = scaledByLayer(g);
        out.add(
                c(
                        "hyperclone ×2, scores ÷(layer+1)",
                        "hyperclone",
                        gs,
                        GPT2_BARE,
                        op(hc, "", 2),
                        null));
        out.add(
                c(
                        "lemon 16→32, 2→4 layers, scores ÷(layer+1)",
                        "lemon",
                        gs,
                        GPT2_BARE,
                        op(lemon, "hidden=32,layers=4", 0),
                        null));
        out.add(
                c(
                        "identity-depth 2→5, scores ÷(layer+1)",
                        "identity-depth",
                        gs,
                        GPT2_BARE,
                        op(id, "layers=5", 0),
                        null));
        out.add(
                c(
                        "stack 2→5, scores ÷(layer+1)",
                        "stack",
                        gs,
                        GPT2_BARE,
                        op(stack, "layers=5", 0),
                        null));
        // Copy and pad
        out.add(
                c(
                        "pad zeros 16→24",
                        "pad",
                        g,
                        GPT2_BARE,
                        op(pad, "hidden=24", 0),
                        "pad-zeros-gpt2-16to24"));
        out.add(c("pad small 16→24", "pad", g, GPT2_BARE, op(pad, "hidden=24", 0, small), null));
        out.add(
                c(
                        "pad zeros 16→24",
                        "pad",
                        lu,
                        LLAMA,
                        op(pad, "hidden=24", 0),
                        "pad-zeros-llama-16to24"));
        out.add(c("pad small 16→24", "pad", lu, LLAMA, op(pad, "hidden=24", 0, small), null));
        out.add(
                c(
                        "pad zeros 16→24",
                        "pad",
                        b,
                        BERT_MLM,
                        op(pad, "hidden=24", 0),
                        "pad-zeros-bert-16to24"));
        out.add(c("pad small 16→24", "pad", b, BERT_MLM, op(pad, "hidden=24", 0, small), null));
        // Unshare
        out.add(
                new Case(
                        "unshare marker [[0,1]]",
                        "gpt2",
                        "unshare",
                        g3,
                        GPT2_BARE,
                        marker(List.of(List.of(0, 1))),
                        List.of(List.of(0, 1)),
                        "unshare-gpt2 (shared [[0,1]])"));
        out.add(
                new Case(
                        "unshare marker [[0,1,2]]",
                        "llama",
                        "unshare",
                        llamaLike(Family.LLAMA, 16, 3, 4, 2, true),
                        LLAMA,
                        marker(List.of(List.of(0, 1, 2))),
                        List.of(List.of(0, 1, 2)),
                        null));
        out.add(
                new Case(
                        "unshare marker [[1,2]], scores ÷(layer+1)",
                        "gpt2",
                        "unshare",
                        scaledByLayer(g3),
                        GPT2_BARE,
                        marker(List.of(List.of(1, 2))),
                        List.of(List.of(1, 2)),
                        null));
        out.add(
                new Case(
                        "unshare marker [[1,2]]",
                        "bert",
                        "unshare",
                        bert(16, 3, 4),
                        BERT_MLM,
                        marker(List.of(List.of(1, 2))),
                        List.of(List.of(1, 2)),
                        null));
        out.add(
                new Case(
                        "unshare 4 layers, 2 groups",
                        "albert",
                        "unshare",
                        albert(32, 4, 2),
                        ALBERT_MLM,
                        (a, t) ->
                                Unsharing.planAlbert(
                                        a.numLayers(),
                                        a.numLayerGroups(),
                                        t,
                                        GrowthOptions.defaults()),
                        List.of(),
                        null));
        return out;
    }

    static Stream<Arguments> arguments() {
        return cases().stream().map(k -> Arguments.of(k.family(), k));
    }

    // ------------------------------------------------------------------ measuring

    /** Grows the case's random source and verifies it through the reference forward pass. */
    static Measured measure(Case k) {
        return MEASURED.computeIfAbsent(k.family() + " " + k.name(), x -> run(k));
    }

    private static Measured run(Case k) {
        try {
            MapTensorSource function =
                    MapTensorSource.random(k.arch(), k.variant(), SEED, 0.2, 0.2, 0.1);
            MapTensorSource stored =
                    MapTensorSource.random(k.arch(), k.variant(), SEED, 0.2, 0.2, 0.1);
            shareLayers(function, stored, k.sharedLayers());
            GrowthPlan plan = k.planner().plan(k.arch(), stored.tensors());
            Fixtures.InMemorySink sink = Fixtures.grow(plan, stored);
            MapTensorSource grown = new MapTensorSource();
            for (TensorInfo t : plan.targetTensors()) {
                grown.put(t.name(), sink.written.get(t.name()), t.shape());
            }
            ArchSpec target =
                    plan.target() != null ? plan.target() : unsharedAlbert(k.arch(), plan);
            ModelInput probes = probes(k.arch());
            boolean exact = plan.exactness().exact();
            try (TransformerModel a = TransformerModel.of(k.arch(), function);
                    TransformerModel b = TransformerModel.of(target, grown)) {
                Verification v =
                        Verifier.verify(a, b, probes, exact ? Claim.exact() : Claim.approximate());
                return new Measured(k, exact, v);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Seeded random tokens; encoders also get token types (the second half of each sequence is
     * segment 1) and a padded second sequence, so every embedding table and the mask are used.
     */
    static ModelInput probes(ArchSpec arch) {
        ModelInput probes = Probes.random(SEED, SEQUENCES, TOKENS, VOCAB);
        if (!arch.family().isEncoder()) {
            return probes;
        }
        int[][] types = new int[SEQUENCES][TOKENS];
        int[][] mask = new int[SEQUENCES][TOKENS];
        for (int s = 0; s < SEQUENCES; s++) {
            for (int t = 0; t < TOKENS; t++) {
                types[s][t] = t < TOKENS / 2 ? 0 : 1;
                mask[s][t] = s == 1 && t >= TOKENS - 3 ? 0 : 1;
            }
        }
        return probes.withTokenTypes(types).withAttentionMask(mask);
    }

    /**
     * Graft's shared-layer marker: in {@code function} every layer of a group holds its first
     * layer's tensors (what the model computes); {@code stored} keeps only the first layer's.
     */
    private static void shareLayers(
            MapTensorSource function, MapTensorSource stored, List<List<Integer>> groups) {
        Pattern layer = Pattern.compile("^(.*?(?:h|layers|encoder\\.layer))\\.(\\d+)\\.(.+)$");
        for (TensorInfo t : function.tensors()) {
            Matcher m = layer.matcher(t.name());
            if (!m.matches()) {
                continue;
            }
            int l = Integer.parseInt(m.group(2));
            for (List<Integer> group : groups) {
                if (group.contains(l) && group.get(0) != l) {
                    String first = m.group(1) + "." + group.get(0) + "." + m.group(3);
                    function.put(t.name(), function.get(first), t.shape());
                    stored.remove(t.name());
                }
            }
        }
    }

    private static ArchSpec unsharedAlbert(ArchSpec a, GrowthPlan plan) {
        int groups = Integer.parseInt(plan.configChanges().get("num_hidden_groups"));
        return new ArchSpec(
                a.family(),
                a.vocabSize(),
                a.hiddenSize(),
                a.numLayers(),
                a.numHeads(),
                a.numKvHeads(),
                a.headDim(),
                a.intermediateSize(),
                a.maxPositions(),
                a.norm(),
                a.normEps(),
                a.normPlacement(),
                a.activation(),
                a.tieWordEmbeddings(),
                groups,
                a.ropeTheta(),
                a.dtype(),
                a.extra());
    }

    // ------------------------------------------------------------------ tests

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("arguments")
    void exactPlansPreserveTheLogitsAndApproximateOnesAreMeasured(String family, Case k) {
        Measured r = measure(k);
        Verification v = r.v();
        assertThat(v.method()).as(v.summary()).isEqualTo(Verification.Method.LOGITS);
        assertThat(v.logitScale()).as("logit scale O(1–10)").isBetween(0.5, 30.0);
        assertThat(Double.isFinite(v.maxAbsDelta())).as(v.summary()).isTrue();
        if (r.exact()) {
            assertThat(v.relativeDelta()).as(v.summary()).isLessThanOrEqualTo(1e-4);
            assertThat(v.passed()).isTrue();
        } else {
            // An approximate operator really moves the function (else the plan undersells it).
            assertThat(v.relativeDelta()).as(v.summary()).isGreaterThan(1e-4);
        }
    }

    @Test
    void exactnessIsWhatTheDocsClaim() {
        for (Case k : cases()) {
            boolean expected =
                    switch (k.operator()) {
                        case "hyperclone", "lemon", "unshare" -> true;
                        case "identity-depth" -> !k.family().equals("bert");
                        default -> false;
                    };
            assertThat(measure(k).exact()).as(k.family() + " " + k.name()).isEqualTo(expected);
        }
    }

    @Test
    void postLnBertUnderLemonIsRefusedOffIntegerMultiplesAndForDepth() {
        ArchSpec b = bert(16, 2, 4);
        List<TensorInfo> tensors = MapTensorSource.random(b, BERT_MLM, SEED).tensors();
        assertThatThrownBy(() -> op(GrowthOperator.LEMON, "hidden=24", 0).plan(b, tensors))
                .isInstanceOf(GrowthPlanException.class)
                .hasMessageContaining("post-LN bert is exact only for integer width multiples")
                .hasMessageContaining("hidden=16 or 32");
        assertThatThrownBy(() -> op(GrowthOperator.LEMON, "layers=3", 0).plan(b, tensors))
                .isInstanceOf(GrowthPlanException.class)
                .hasMessageContaining("stack");
    }

    /**
     * GPT-2 with {@code scale_attn_by_inverse_layer_idx} divides block {@code l}'s scores by {@code
     * l + 1}: identity-depth 2→5 moves source block 1 to index 2, so its queries (the first third
     * of {@code c_attn}) are multiplied by 3/2 and its keys and values are not; unsharing moves
     * nothing.
     */
    @Test
    void movedGpt2BlocksKeepTheirScoresUnderInverseLayerScaling() throws IOException {
        ArchSpec a = scaledByLayer(gpt2(16, 2, 4));
        MapTensorSource source = MapTensorSource.random(a, GPT2_BARE, SEED);
        GrowthPlan plan =
                op(GrowthOperator.IDENTITY_DEPTH, "layers=5", 0).plan(a, source.tensors());
        assertThat(plan.notes())
                .anyMatch(n -> n.contains("queries of moved blocks [1, 2, 3, 4] rescaled"));
        Map<String, float[]> g = Fixtures.grow(plan, source).written;
        float[] w = source.get("h.1.attn.c_attn.weight"); // [16, 48]
        float[] w2 = g.get("h.2.attn.c_attn.weight");
        for (int i = 0; i < w.length; i++) {
            float want = i % 48 < 16 ? w[i] * 1.5f : w[i];
            assertThat(w2[i]).as("h.2.attn.c_attn.weight flat index " + i).isEqualTo(want);
        }
        assertThat(g.get("h.0.attn.c_attn.weight")).isEqualTo(source.get("h.0.attn.c_attn.weight"));

        ArchSpec a3 = scaledByLayer(gpt2(16, 3, 4));
        MapTensorSource shared = MapTensorSource.random(a3, GPT2_BARE, SEED);
        for (TensorInfo t : shared.tensors()) {
            if (t.name().startsWith("h.2.")) {
                shared.remove(t.name());
            }
        }
        GrowthPlan unshare = marker(List.of(List.of(1, 2))).plan(a3, shared.tensors());
        assertThat(unshare.notes()).noneMatch(n -> n.contains("rescaled"));
        assertThat(Fixtures.grow(unshare, shared).written.get("h.2.attn.c_attn.weight"))
                .isEqualTo(shared.get("h.1.attn.c_attn.weight"));
    }

    /** Java's forward on numpy's grown weights reproduces numpy's own logits (1e-5 relative). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.graft.growth.ops.OperatorFixtureTest#cases")
    void javaForwardOnNumpyWeightsMatchesNumpyLogits(
            String name,
            GrowthOperator op,
            ArchSpec arch,
            GrowthTarget target,
            int factor,
            GrowthOptions options)
            throws Exception {
        Path dir = Fixtures.ROOT.resolve(name);
        Map<String, Fixtures.Tensor> logits = Fixtures.read(dir.resolve("logits.safetensors"));
        float[] ids = logits.get("ids").values();
        int[][] tokens = new int[1][ids.length];
        for (int i = 0; i < ids.length; i++) {
            tokens[0][i] = (int) ids[i];
        }
        Fixtures.InMemorySource source = Fixtures.source(dir.resolve("source.safetensors"));
        Fixtures.InMemorySource grown = Fixtures.source(dir.resolve("expected.safetensors"));
        GrowthPlan plan = GrowthPlanner.plan(op, arch, source.tensors(), target, factor, options);
        assertLogits(arch, source, tokens, logits.get("source_logits").doubles(), name + " source");
        assertLogits(plan.target(), grown, tokens, logits.get("grown_logits").doubles(), name);
    }

    private static void assertLogits(
            ArchSpec arch,
            Fixtures.InMemorySource tensors,
            int[][] tokens,
            double[] want,
            String what)
            throws IOException {
        try (TransformerModel model = TransformerModel.of(arch, tensors);
                ModelOutput out = model.forward(tokens)) {
            float[] got = out.logitsAsFloats();
            assertThat(got).as(what).hasSize(want.length);
            double max = 0;
            double scale = 0;
            for (int i = 0; i < want.length; i++) {
                max = Math.max(max, Math.abs(got[i] - want[i]));
                scale = Math.max(scale, Math.abs(want[i]));
            }
            assertThat(max / scale)
                    .as(what + ": max |Δ| " + max + " of max |logit| " + scale)
                    .isLessThanOrEqualTo(1e-5);
        }
    }

    /** The measured table in docs/operators.md is current (or rewritten with graft.docs.write). */
    @Test
    void docsTableIsCurrent() throws IOException {
        List<Measured> rows = new ArrayList<>();
        for (Case k : cases()) {
            rows.add(measure(k));
        }
        List<String> order =
                List.of("hyperclone", "lemon", "identity-depth", "stack", "pad", "unshare");
        rows.sort(java.util.Comparator.comparingInt(r -> order.indexOf(r.c().operator())));
        String table = table(rows, numpyReference());
        String doc = Files.readString(DOCS, StandardCharsets.UTF_8);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("docs/operators.md has the " + BEGIN + " marker").isNotNegative();
        assertThat(end).as("docs/operators.md has the " + END + " marker").isGreaterThan(begin);
        String current = doc.substring(begin + BEGIN.length(), end);
        if (Boolean.getBoolean("graft.docs.write")) {
            Files.writeString(
                    DOCS,
                    doc.substring(0, begin + BEGIN.length()) + "\n" + table + doc.substring(end),
                    StandardCharsets.UTF_8);
            return;
        }
        assertThat(sameTable(current.strip(), table.strip()))
                .as(
                        "docs/operators.md's measured table is out of date; regenerate with\n  "
                                + REGENERATE
                                + "\nexpected:\n"
                                + table)
                .isTrue();
    }

    /**
     * Rows, columns and verdicts must match exactly; numbers within one unit of their last printed
     * digit (they are printed to two digits, and another BLAS build may round the last one the
     * other way), except the |Δlogit| of exact rows, F32 rounding residue (~1e-7), which may differ
     * by a factor of 10.
     */
    static boolean sameTable(String documented, String measured) {
        String[] a = documented.split("\n");
        String[] b = measured.split("\n");
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            String[] x = a[i].split("\\|");
            String[] y = b[i].split("\\|");
            if (x.length != y.length) {
                return false;
            }
            boolean exactRow = b[i].contains("| PASS |");
            for (int j = 0; j < x.length; j++) {
                String u = x[j].trim();
                String w = y[j].trim();
                if (!u.equals(w) && !close(u, w, exactRow ? 10 : 1.12)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean close(String u, String w, double factor) {
        try {
            double p = Double.parseDouble(u);
            double q = Double.parseDouble(w);
            return p > 0 && q > 0 && p / q <= factor && q / p <= factor;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static String table(List<Measured> rows, Map<String, String> numpy) {
        StringBuilder t = new StringBuilder();
        t.append("| family | operator | case | plan says | max \\|Δlogit\\| | max \\|logit\\|")
                .append(" | relative | result | numpy reference (relative) |\n");
        t.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Measured r : rows) {
            Verification v = r.v();
            Case k = r.c();
            t.append("| ")
                    .append(k.family())
                    .append(" | ")
                    .append(k.operator())
                    .append(" | ")
                    .append(k.name())
                    .append(" | ")
                    .append(r.exact() ? "exact" : "approximate")
                    .append(" | ")
                    .append(num(v.maxAbsDelta()))
                    .append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", v.logitScale()))
                    .append(" | ")
                    .append(num(v.relativeDelta()))
                    .append(" | ")
                    .append(r.exact() ? (v.passed() ? "PASS" : "FAIL") : "measured")
                    .append(" | ")
                    .append(k.numpyCase() == null ? "–" : numpy.getOrDefault(k.numpyCase(), "–"))
                    .append(" |\n");
        }
        return t.toString();
    }

    private static String num(double x) {
        return x == 0 ? "0" : String.format(Locale.ROOT, "%.1e", x);
    }

    /** The numpy reference's relative |Δlogit| per case, from its results.md. */
    static Map<String, String> numpyReference() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Fixtures.ROOT.resolve("results.md"))) {
            String[] cells = line.split("\\|");
            if (cells.length >= 6 && !cells[1].isBlank() && !cells[1].contains("---")) {
                out.put(cells[1].trim(), cells[5].trim());
            }
        }
        return out;
    }
}
