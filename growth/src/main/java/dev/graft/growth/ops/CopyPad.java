package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Copy and pad (Han Zhang, "Transfer training from smaller language model", arXiv 2104.11390): the
 * source weights in the top-left block, zeros or small normal values in every new row and column
 * (new hidden channels, heads, FFN neurons); new norm gains 1, new norm biases 0.
 *
 * <p>Approximate: the new channels change LayerNorm's mean and variance and RMSNorm's mean square,
 * so the logits move (with zeros, only through the norms). {@code docs/operators.md} lists how far
 * on the numpy reference.
 */
public final class CopyPad {

    private static final String OP = "pad";

    private CopyPad() {}

    /** Plans a copy-and-pad widening ({@code factor} sizes the open widths; 0 keeps them). */
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
        if (target.layers() != null && target.layers() != source.numLayers()) {
            throw new GrowthPlanException(
                    "pad grows width only; layers="
                            + target.layers()
                            + " differs from "
                            + source.numLayers()
                            + ". Grow depth with --op identity-depth or stack");
        }
        int heads = Sizes.headsForHidden(OP, source, hidden, target.heads());
        if (heads < 0) {
            heads =
                    target.heads() != null
                            ? target.heads()
                            : (source.numHeads() * hidden % d == 0
                                    ? source.numHeads() * hidden / d
                                    : source.numHeads());
        }
        Sizes.notSmaller(OP, "heads", source.numHeads(), heads);
        int kv = Sizes.kvHeadsKeepingGroups(OP, source, heads, target.kvHeads());
        int ffn =
                target.ffn() != null
                        ? target.ffn()
                        : (int) Math.round((double) source.intermediateSize() * hidden / d);
        Sizes.notSmaller(OP, "ffn", source.intermediateSize(), ffn);
        ArchSpec grown =
                Sizes.resized(
                        source,
                        hidden,
                        source.numLayers(),
                        heads,
                        kv,
                        ffn,
                        source.normEps(),
                        source.tieWordEmbeddings());
        Fill fresh =
                options.padInit() == GrowthOptions.PadInit.ZEROS
                        ? Fill.zero()
                        : Fill.noise(options.padStd());
        Expansion.Width w =
                new Expansion.Width(
                        AxisMap.padded("hidden", d, hidden),
                        AxisMap.padded("heads", source.numHeads(), heads),
                        AxisMap.padded("kv_heads", source.numKvHeads(), kv),
                        AxisMap.padded("ffn", source.intermediateSize(), ffn),
                        fresh,
                        fresh,
                        fresh,
                        FanIn.equal(),
                        1,
                        Fill.constant(1),
                        1,
                        false);
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
                GrowthOperator.PAD,
                source,
                grown,
                mappings,
                Exactness.approximate(
                        "new channels enter the norms' statistics (LayerNorm mean and variance,"
                                + " RMSNorm mean square)"
                                + (options.padInit() == GrowthOptions.PadInit.SMALL
                                        ? " and the small values add to every sum"
                                        : "")),
                notes,
                options,
                ContinuationSchedule.recommended(GrowthOperator.PAD).with(options.schedule()),
                Map.of(),
                List.of());
    }
}
