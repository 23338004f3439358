package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * HyperCloning (Samragh et al., arXiv 2409.12903; apple/ml-hypercloning): widen hidden, heads and
 * FFN by integer factors so every hidden representation is the source's repeated {@code n} times.
 * Exact for gpt2, llama (GQA, RoPE, SwiGLU, tied or untied head) and post-LN bert: tiled vectors
 * keep LayerNorm and RMSNorm statistics.
 *
 * <ul>
 *   <li>Embeddings, biases, norms: tiled ({@code [E, E]}); weights: tiled and divided by the input
 *       repeat ({@code clone_matrix}); heads tiled block-wise {@code [h0…hH−1, h0…hH−1]}, KV heads
 *       likewise (MQA keeps its one KV head); GPT-2's fused {@code c_attn} per Q|K|V block.
 *   <li>A tied head: the final norm's gain and bias ÷n keep it tied (LEMON's trick), or {@link
 *       GrowthOptions.TiedHead#UNTIE} writes {@code lm_head = [E, E]/n} (HyperCloning's choice).
 *   <li>Optional noise: {@code +N} and {@code −N} on paired copies of each input column, which see
 *       identical activations, so the sum is unchanged ({@code add_noise}).
 * </ul>
 */
public final class HyperCloning {

    private static final String OP = "hyperclone";

    private HyperCloning() {}

    /**
     * Plans a HyperCloning of {@code source} to {@code target} (sizes left open follow {@code
     * factor}: hidden, heads, KV heads and FFN ×factor).
     *
     * @param factor the width multiplier for sizes {@code target} leaves open; 0 when only {@code
     *     target} decides
     * @throws GrowthPlanException for non-integer multiples, depth changes or mismatched tensors
     */
    public static GrowthPlan plan(
            ArchSpec source,
            List<TensorInfo> tensors,
            GrowthTarget target,
            int factor,
            GrowthOptions options) {
        List<String> notes = new ArrayList<>();
        Map<String, TensorInfo> byName = Expansion.checkedSource(source, tensors, notes);
        int d = source.hiddenSize();
        int f = factor > 0 ? factor : 1;
        int hidden = target.hidden() != null ? target.hidden() : d * f;
        Sizes.notSmaller(OP, "hidden", d, hidden);
        if (hidden % d != 0) {
            throw new GrowthPlanException(
                    "hyperclone grows by integer factors; hidden="
                            + hidden
                            + " is not a multiple of "
                            + d
                            + ". Use hidden="
                            + (hidden / d) * d
                            + " or "
                            + (hidden / d + 1) * d
                            + ", or --op lemon for any width");
        }
        int n = hidden / d;
        if (target.layers() != null && target.layers() != source.numLayers()) {
            throw new GrowthPlanException(
                    "hyperclone grows width only; layers="
                            + target.layers()
                            + " differs from the source's "
                            + source.numLayers()
                            + ". Grow depth with --op lemon, identity-depth or stack");
        }
        int heads = Sizes.headsForHidden(OP, source, hidden, target.heads());
        if (heads < 0) {
            heads = target.heads() != null ? target.heads() : source.numHeads() * n;
        }
        Sizes.notSmaller(OP, "heads", source.numHeads(), heads);
        if (heads % source.numHeads() != 0) {
            throw new GrowthPlanException(
                    "hyperclone copies whole heads; heads="
                            + heads
                            + " is not a multiple of "
                            + source.numHeads());
        }
        int kv;
        if (source.numKvHeads() == 1 && source.numHeads() > 1 && target.kvHeads() == null) {
            kv = 1; // multi-query attention stays multi-query (HyperCloning does the same)
        } else if (source.numKvHeads() == 1 && target.kvHeads() != null && target.kvHeads() == 1) {
            kv = 1;
        } else {
            kv = Sizes.kvHeadsKeepingGroups(OP, source, heads, target.kvHeads());
        }
        int ffn = target.ffn() != null ? target.ffn() : source.intermediateSize() * f;
        Sizes.notSmaller(OP, "ffn", source.intermediateSize(), ffn);
        if (ffn % source.intermediateSize() != 0) {
            throw new GrowthPlanException(
                    "hyperclone copies whole FFN neurons; ffn="
                            + ffn
                            + " is not a multiple of "
                            + source.intermediateSize());
        }
        boolean untie =
                source.tieWordEmbeddings() && options.tiedHead() == GrowthOptions.TiedHead.UNTIE;
        boolean tied = source.tieWordEmbeddings() && !untie;
        if (untie && source.family() == Family.BERT) {
            notes.add("bert: the MLM decoder is written explicitly (tie_word_embeddings=false)");
        }
        ArchSpec grown =
                Sizes.resized(
                        source, hidden, source.numLayers(), heads, kv, ffn, source.normEps(), tied);
        FanIn fanIn =
                options.cloneNoise() > 0 ? FanIn.pairedNoise(options.cloneNoise()) : FanIn.equal();
        Expansion.Width w =
                new Expansion.Width(
                        AxisMap.circular("hidden", d, hidden),
                        AxisMap.circular("heads", source.numHeads(), heads),
                        AxisMap.circular("kv_heads", source.numKvHeads(), kv),
                        AxisMap.circular("ffn", source.intermediateSize(), ffn),
                        Fill.zero(),
                        Fill.zero(),
                        Fill.zero(),
                        fanIn,
                        1,
                        Fill.constant(1),
                        tied ? 1.0 / n : 1,
                        untie);
        if (tied && n > 1) {
            notes.add("tied head kept tied: final norm gain and bias ÷" + n);
        }
        List<TensorMapping> mappings =
                Expansion.mappings(
                        source,
                        grown,
                        byName,
                        w,
                        Expansion.Depth.identity(source.numLayers()),
                        0,
                        notes);
        return new GrowthPlan(
                GrowthOperator.HYPERCLONE,
                source,
                grown,
                mappings,
                Exactness.exact(
                        "every hidden vector is the source's repeated "
                                + n
                                + "×; tiled vectors keep LayerNorm/RMSNorm statistics (pre- and"
                                + " post-LN)"
                                + (options.cloneNoise() > 0 ? "; paired noise cancels" : "")),
                notes,
                options,
                ContinuationSchedule.recommended(GrowthOperator.HYPERCLONE)
                        .with(options.schedule()),
                Map.of(),
                List.of());
    }
}
