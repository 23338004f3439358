package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;

/** Target-size arithmetic shared by the planners, with errors that say what would work. */
final class Sizes {

    private Sizes() {}

    /** {@code arch} resized; head_dim kept; for gpt2/bert heads·head_dim must equal hidden. */
    static ArchSpec resized(
            ArchSpec a,
            int hidden,
            int layers,
            int heads,
            int kvHeads,
            int ffn,
            double eps,
            boolean tied) {
        return new ArchSpec(
                a.family(),
                a.vocabSize(),
                hidden,
                layers,
                heads,
                kvHeads,
                a.headDim(),
                ffn,
                a.maxPositions(),
                a.norm(),
                eps,
                a.normPlacement(),
                a.activation(),
                tied,
                a.numLayerGroups(),
                a.ropeTheta(),
                a.dtype(),
                a.extra());
    }

    static void notSmaller(String op, String key, int source, int target) {
        if (target < source) {
            throw new GrowthPlanException(
                    op
                            + " grows; --to "
                            + key
                            + "="
                            + target
                            + " is smaller than the source's "
                            + source
                            + ". Give "
                            + key
                            + " ≥ "
                            + source
                            + " (shrinking is subcloning, a separate operator)");
        }
    }

    /** For gpt2/bert the heads follow the hidden size at a fixed head_dim. */
    static int headsForHidden(String op, ArchSpec a, int hidden, Integer asked) {
        boolean fused = a.family() == Family.GPT2 || a.family() == Family.BERT;
        if (!fused) {
            return asked != null ? asked : -1;
        }
        if (hidden % a.headDim() != 0) {
            int lo = hidden / a.headDim() * a.headDim();
            throw new GrowthPlanException(
                    op
                            + ": "
                            + a.family().modelType()
                            + " needs hidden = heads × head_dim with head_dim "
                            + a.headDim()
                            + " kept; hidden="
                            + hidden
                            + " is not a multiple of "
                            + a.headDim()
                            + ". Use hidden="
                            + Math.max(lo, a.hiddenSize())
                            + " or "
                            + (lo + a.headDim()));
        }
        int heads = hidden / a.headDim();
        if (asked != null && asked != heads) {
            throw new GrowthPlanException(
                    op
                            + ": heads="
                            + asked
                            + " does not divide hidden="
                            + hidden
                            + " into heads of head_dim "
                            + a.headDim()
                            + " (kept by every growth operator); use heads="
                            + heads);
        }
        return heads;
    }

    /** KV heads that keep the query-to-KV group ratio (GQA), or stay 1 (MQA) when allowed. */
    static int kvHeadsKeepingGroups(String op, ArchSpec a, int heads, Integer asked) {
        int ratio = a.numHeads() / a.numKvHeads();
        if (asked != null) {
            if (asked <= 0 || heads % asked != 0 || heads / asked != ratio) {
                throw new GrowthPlanException(
                        op
                                + ": kv_heads="
                                + asked
                                + " with heads="
                                + heads
                                + " changes the query heads per KV head from "
                                + ratio
                                + "; copies of a query head must read copies of its KV head. Use"
                                + " kv_heads="
                                + (heads % ratio == 0
                                        ? Integer.toString(heads / ratio)
                                        : "heads/" + ratio));
            }
            return asked;
        }
        if (heads % ratio != 0) {
            throw new GrowthPlanException(
                    op
                            + ": heads="
                            + heads
                            + " is not a multiple of the "
                            + ratio
                            + " query heads per KV head of the source; use a multiple of "
                            + ratio);
        }
        return heads / ratio;
    }
}
