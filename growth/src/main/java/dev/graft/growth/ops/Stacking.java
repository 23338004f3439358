package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Depth stacking (StackBERT, Gong et al. ICML 2019; G_stack, Du et al. arXiv 2405.15319): the
 * trained blocks repeated, {@code [0 … L−1, 0 … L−1, …]}; a remainder of {@code r} blocks comes
 * from the top ({@code L−r … L−1}, as bert2BERT does). Embeddings, final norm and head unchanged.
 * Approximate: each repeat applies the blocks again.
 */
public final class Stacking {

    private Stacking() {}

    /** Plans stacking to {@code target.layers()} (or {@code factor}× layers). */
    public static GrowthPlan plan(
            ArchSpec source,
            List<TensorInfo> tensors,
            GrowthTarget target,
            int factor,
            GrowthOptions options) {
        List<String> notes = new ArrayList<>();
        Map<String, TensorInfo> byName = Expansion.checkedSource(source, tensors, notes);
        int layers = targetLayers("stack", source, target, factor);
        Expansion.Depth depth = depth(source.numLayers(), layers);
        notes.add(depth.describe());
        ArchSpec grown =
                Sizes.resized(
                        source,
                        source.hiddenSize(),
                        layers,
                        source.numHeads(),
                        source.numKvHeads(),
                        source.intermediateSize(),
                        source.normEps(),
                        source.tieWordEmbeddings());
        List<TensorMapping> mappings =
                Expansion.mappings(
                        source, grown, byName, Expansion.identityWidth(source), depth, 0, notes);
        return new GrowthPlan(
                GrowthOperator.STACK,
                source,
                grown,
                mappings,
                Exactness.approximate("the repeated blocks transform the stream again"),
                notes,
                options,
                ContinuationSchedule.recommended(GrowthOperator.STACK).with(options.schedule()),
                Map.of(),
                List.of());
    }

    static Expansion.Depth depth(int sourceLayers, int targetLayers) {
        int whole = targetLayers / sourceLayers * sourceLayers;
        int rest = targetLayers - whole;
        List<Integer> layers = new ArrayList<>();
        List<Expansion.BlockKind> kinds = new ArrayList<>();
        for (int t = 0; t < targetLayers; t++) {
            layers.add(t < whole ? t % sourceLayers : sourceLayers - rest + (t - whole));
            kinds.add(Expansion.BlockKind.COPY);
        }
        return Expansion.Depth.of(layers, kinds);
    }

    static int targetLayers(String op, ArchSpec source, GrowthTarget target, int factor) {
        if (target.changesWidth()
                && (target.hidden() != null && target.hidden() != source.hiddenSize()
                        || target.heads() != null && target.heads() != source.numHeads()
                        || target.kvHeads() != null && target.kvHeads() != source.numKvHeads()
                        || target.ffn() != null && target.ffn() != source.intermediateSize())) {
            throw new GrowthPlanException(
                    op
                            + " grows depth only; --to "
                            + target.describe()
                            + " changes the width. Widen first with --op hyperclone or lemon");
        }
        int layers =
                target.layers() != null
                        ? target.layers()
                        : factor > 0 ? source.numLayers() * factor : source.numLayers();
        Sizes.notSmaller(op, "layers", source.numLayers(), layers);
        if (layers == source.numLayers()) {
            throw new GrowthPlanException(
                    op
                            + " needs more layers than the source's "
                            + source.numLayers()
                            + "; give --to layers=N or --factor N");
        }
        return layers;
    }
}
