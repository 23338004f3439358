package dev.graft.growth.policy;

import dev.graft.growth.arch.ArchSpec;

/**
 * Architecture arithmetic for a {@link GrowthLadder}: the same model at another width or depth.
 * Head width ({@code head_dim}) is kept and the number of heads follows the width; grouped-query
 * models keep their group size; the feed-forward width scales with the model width.
 */
final class Ladders {
    private Ladders() {}

    /** {@code arch} with {@code numLayers} blocks (the layer groups kept, capped at the depth). */
    static ArchSpec withDepth(ArchSpec a, int numLayers) {
        return new ArchSpec(
                a.family(),
                a.vocabSize(),
                a.hiddenSize(),
                numLayers,
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
                Math.min(a.numLayerGroups(), numLayers),
                a.ropeTheta(),
                a.dtype(),
                a.extra());
    }

    /** {@code arch} with independent layers ({@code num_layer_groups = 0}). */
    static ArchSpec unshared(ArchSpec a) {
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
                0,
                a.ropeTheta(),
                a.dtype(),
                a.extra());
    }

    /**
     * {@code arch} at about {@code hiddenSize}: heads {@code = round(hiddenSize / head_dim)}
     * rounded to a multiple of the query group size; for GPT-2 and BERT the width is then {@code
     * heads × head_dim} exactly. Returns null when not even one head group fits.
     */
    static ArchSpec withWidth(ArchSpec a, long hiddenSize) {
        int group = a.numHeads() / a.numKvHeads();
        long heads = Math.round((double) hiddenSize / a.headDim() / group) * group;
        if (heads < group || heads > Integer.MAX_VALUE) {
            return null;
        }
        boolean headsDefineWidth = !a.family().isLlamaLike();
        long hidden = headsDefineWidth ? heads * a.headDim() : hiddenSize;
        double factor = (double) hidden / a.hiddenSize();
        long intermediate = Math.max(1, Math.round(a.intermediateSize() * factor));
        if (hidden < 1 || hidden > Integer.MAX_VALUE || intermediate > Integer.MAX_VALUE) {
            return null;
        }
        return new ArchSpec(
                a.family(),
                a.vocabSize(),
                (int) hidden,
                a.numLayers(),
                (int) heads,
                (int) (heads / group),
                a.headDim(),
                (int) intermediate,
                a.maxPositions(),
                a.norm(),
                a.normEps(),
                a.normPlacement(),
                a.activation(),
                a.tieWordEmbeddings(),
                a.numLayerGroups(),
                a.ropeTheta(),
                a.dtype(),
                a.extra());
    }

    /** {@code arch} scaled by the factors, or null when the result has no head or no layer. */
    static ArchSpec scaled(ArchSpec a, double widthFactor, double depthFactor) {
        long layers = Math.round(a.numLayers() * depthFactor);
        if (layers < 1 || layers > Integer.MAX_VALUE) {
            return null;
        }
        ArchSpec wide = withWidth(a, Math.round(a.hiddenSize() * widthFactor));
        return wide == null ? null : withDepth(wide, (int) layers);
    }
}
