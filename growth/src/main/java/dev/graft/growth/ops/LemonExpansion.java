package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.Norm;
import dev.graft.growth.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * LEMON, lossless model expansion (Wang et al., arXiv 2310.07999; YiteWang/lemon-pytorch): width to
 * any larger hidden size {@code D = k·d + r}, more heads at the same head_dim, a larger FFN, and up
 * to twice the layers, computing exactly the source's function for pre-LN families.
 *
 * <ul>
 *   <li>Residual stream: {@code [h (k times), avg(h)·1_r]} for LayerNorm (embeddings and every
 *       writer's rows "average"-expanded); {@code [h (k times), 0_r]} for RMSNorm, where the
 *       average does not survive the norm (OPERATORS.md §2.1).
 *   <li>Every norm: gain {@code ×√(kd/D)} on the copies, {@code ε' = ε·kd/D} (config rewritten) —
 *       the norm's output is then {@code [LN(h) (k times), 0_r]}.
 *   <li>Heads, KV heads and FFN neurons: copied circularly ({@code t mod n}); the fan-out weights
 *       of a neuron's copies are split unequally, summing to the original (symmetry breaking);
 *       inputs reading a residue channel (always 0) get small random values.
 *   <li>Depth {@code L_s → L_t ≤ 2L_s}: the first {@code 2L_s − L_t} layers map 1:1, each later one
 *       is followed by a new copy whose output projections cancel: the copies of each head/neuron
 *       get values summing to zero (zero where a neuron has a single copy), biases zero.
 *   <li>A tied head: the final norm ÷k keeps it tied, or it is untied (fan-in split).
 * </ul>
 *
 * <p>Post-LN bert: only integer width multiples with unchanged depth are exact (tiled vectors keep
 * LayerNorm statistics; a residue channel does not survive a post-LN sum, and a zero block is not
 * an identity under post-LN), so other bert targets are refused.
 */
public final class LemonExpansion {

    private static final String OP = "lemon";

    private LemonExpansion() {}

    /**
     * Plans a LEMON expansion.
     *
     * @param factor width multiplier for sizes {@code target} leaves open (0: only {@code target})
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
        int layers = target.layers() != null ? target.layers() : source.numLayers();
        Sizes.notSmaller(OP, "layers", source.numLayers(), layers);
        if (layers > 2 * source.numLayers()) {
            throw new GrowthPlanException(
                    "lemon grows depth at most 2×: layers="
                            + layers
                            + " exceeds 2 × "
                            + source.numLayers()
                            + ". Grow in two steps, or use --op identity-depth");
        }
        int k = hidden / d;
        int r = hidden % d;
        if (source.family() == Family.BERT && (r != 0 || layers != source.numLayers())) {
            throw new GrowthPlanException(
                    "lemon on post-LN bert is exact only for integer width multiples at the same"
                            + " depth (hidden="
                            + (k * d)
                            + " or "
                            + ((k + 1) * d)
                            + ", layers="
                            + source.numLayers()
                            + "); asked hidden="
                            + hidden
                            + ", layers="
                            + layers
                            + ". For depth use --op stack (approximate)");
        }
        int heads = Sizes.headsForHidden(OP, source, hidden, target.heads());
        if (heads < 0) {
            long scaled = (long) source.numHeads() * hidden;
            heads = target.heads() != null ? target.heads() : (int) (scaled / d);
            if (target.heads() == null && scaled % d != 0) {
                heads = source.numHeads() * f;
            }
        }
        Sizes.notSmaller(OP, "heads", source.numHeads(), heads);
        int kv = Sizes.kvHeadsKeepingGroups(OP, source, heads, target.kvHeads());
        int ffn =
                target.ffn() != null
                        ? target.ffn()
                        : (int) Math.round((double) source.intermediateSize() * hidden / d);
        Sizes.notSmaller(OP, "ffn", source.intermediateSize(), ffn);
        double ratio = (double) k * d / hidden;
        boolean untie =
                source.tieWordEmbeddings() && options.tiedHead() == GrowthOptions.TiedHead.UNTIE;
        boolean tied = source.tieWordEmbeddings() && !untie;
        ArchSpec grown =
                Sizes.resized(
                        source, hidden, layers, heads, kv, ffn, source.normEps() * ratio, tied);
        boolean layerNorm = source.norm() == Norm.LAYERNORM;
        Expansion.Width w =
                new Expansion.Width(
                        AxisMap.tiled("hidden", d, hidden),
                        AxisMap.circular("heads", source.numHeads(), heads),
                        AxisMap.circular("kv_heads", source.numKvHeads(), kv),
                        AxisMap.circular("ffn", source.intermediateSize(), ffn),
                        layerNorm ? Fill.mean() : Fill.zero(),
                        Fill.zero(),
                        Fill.noise(options.residueStd()),
                        options.splitSpread() > 0
                                ? FanIn.randomSplit(options.splitSpread())
                                : FanIn.equal(),
                        Math.sqrt(ratio),
                        Fill.constant(1),
                        tied ? 1.0 / k : 1,
                        untie);
        Expansion.Depth depth = depth(source.numLayers(), layers);
        if (r > 0) {
            notes.add(
                    "hidden "
                            + d
                            + "→"
                            + hidden
                            + " = "
                            + k
                            + "×"
                            + d
                            + " + "
                            + r
                            + " residue channels ("
                            + (layerNorm ? "the average of the stream" : "zero, for RMSNorm")
                            + "); norm gains ×√(kd/D) = "
                            + Math.sqrt(ratio)
                            + ", eps ×kd/D → "
                            + grown.normEps());
        }
        if (layers > source.numLayers()) {
            notes.add(depth.describe());
        }
        List<TensorMapping> mappings =
                Expansion.mappings(source, grown, byName, w, depth, options.cancelStd(), notes);
        String why =
                source.family() == Family.BERT
                        ? "integer width multiple on post-LN bert: tiled vectors keep LayerNorm"
                                + " statistics; unequal splits sum to the original"
                        : "pre-LN: the stream is "
                                + (layerNorm ? "[h×k, avg(h)×r]" : "[h×k, 0×r]")
                                + ", every norm outputs [LN(h)×k, 0]; splits sum to the original;"
                                + " new blocks' outputs cancel";
        return new GrowthPlan(
                GrowthOperator.LEMON,
                source,
                grown,
                mappings,
                Exactness.exact(why),
                notes,
                options,
                ContinuationSchedule.recommended(GrowthOperator.LEMON).with(options.schedule()),
                Map.of(),
                List.of());
    }

    /**
     * LEMON's depth map: source layers below {@code 2L_s − L_t} map 1:1; each later source layer is
     * followed by a new block with cancelling outputs.
     */
    static Expansion.Depth depth(int sourceLayers, int targetLayers) {
        int oneToOne = 2 * sourceLayers - targetLayers;
        List<Integer> layers = new ArrayList<>();
        List<Expansion.BlockKind> kinds = new ArrayList<>();
        for (int s = 0; s < sourceLayers; s++) {
            layers.add(s);
            kinds.add(Expansion.BlockKind.COPY);
            if (s >= oneToOne) {
                layers.add(s);
                kinds.add(Expansion.BlockKind.CANCEL_OUTPUT);
            }
        }
        return Expansion.Depth.of(layers, kinds);
    }
}
