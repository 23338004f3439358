package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.NormPlacement;
import dev.graft.growth.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Identity blocks (LLaMA-Pro block expansion; mergekit's zero-scaled passthrough): new blocks are
 * copies of the block before them with the attention and FFN output projections — weights and
 * biases — set to zero, so {@code h + f(LN(h)) = h}. Exact for pre-LN families; under post-LN
 * (bert) {@code LN(h + 0) ≠ h}, so approximate.
 *
 * <p>Placement: {@code n} new blocks spread evenly — new block {@code j} follows source block
 * {@code ⌈(j+1)·L/n⌉ − 1} (with {@code L/n} an integer, one after every {@code L/n} blocks, as
 * LLaMA-Pro does).
 */
public final class IdentityDepth {

    private IdentityDepth() {}

    /** Plans identity-block insertion to {@code target.layers()} (or {@code factor}× layers). */
    public static GrowthPlan plan(
            ArchSpec source,
            List<TensorInfo> tensors,
            GrowthTarget target,
            int factor,
            GrowthOptions options) {
        List<String> notes = new ArrayList<>();
        Map<String, TensorInfo> byName = Expansion.checkedSource(source, tensors, notes);
        int layers = Stacking.targetLayers("identity-depth", source, target, factor);
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
        boolean pre = source.normPlacement() == NormPlacement.PRE;
        return new GrowthPlan(
                GrowthOperator.IDENTITY_DEPTH,
                source,
                grown,
                mappings,
                pre
                        ? Exactness.exact("pre-LN block with zero output projections is h + 0")
                        : Exactness.approximate(
                                "post-LN: LN(h + 0) re-normalises h, so a zero block is not an"
                                        + " identity"),
                notes,
                options,
                ContinuationSchedule.recommended(GrowthOperator.IDENTITY_DEPTH)
                        .with(options.schedule()),
                Map.of(),
                List.of());
    }

    static Expansion.Depth depth(int sourceLayers, int targetLayers) {
        int n = targetLayers - sourceLayers;
        int[] after = new int[sourceLayers];
        for (int j = 0; j < n; j++) {
            after[(int) (((long) (j + 1) * sourceLayers + n - 1) / n) - 1]++;
        }
        List<Integer> layers = new ArrayList<>();
        List<Expansion.BlockKind> kinds = new ArrayList<>();
        for (int s = 0; s < sourceLayers; s++) {
            layers.add(s);
            kinds.add(Expansion.BlockKind.COPY);
            for (int j = 0; j < after[s]; j++) {
                layers.add(s);
                kinds.add(Expansion.BlockKind.ZERO_OUTPUT);
            }
        }
        return Expansion.Depth.of(layers, kinds);
    }
}
