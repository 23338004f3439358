package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Plans a smaller model from a larger one: a {@link GrowthPlan} whose {@link AxisMap}s select
 * indices ({@link AxisMap#select}) instead of copying them.
 *
 * <ul>
 *   <li>{@link GrowthOperator#SUBCLONE} (weight subcloning, arXiv 2312.09299) and {@link
 *       GrowthOperator#MAGNITUDE}: keep the residual-stream channels with the largest {@link
 *       Importance#hidden()} (one order for every layer), per layer the KV groups (with their query
 *       heads; whole heads, so head_dim and RoPE's rotate-half pairs stay intact) and FFN neurons
 *       with the largest scores, best first; remove blocks from the middle ({@link
 *       DepthRule#MIDDLE}) or those with the smallest block importance ({@link
 *       DepthRule#IMPORTANCE}); multiply every weight matrix whose input axis shrinks by
 *       √(inputs/kept inputs) — not norms, biases or embeddings, as the paper says.
 *   <li>{@link GrowthOperator#SELECT} (weight selection, arXiv 2311.18823): evenly spaced residual
 *       channels and FFN neurons ({@link AxisMap#evenlySpaced}), evenly spaced whole KV groups, the
 *       first N layers, no rescale.
 * </ul>
 *
 * <pre>{@code
 * Importance imp = ActivationImportance.measure(model, calibration);
 * GrowthPlan plan = Shrinking.plan(GrowthOperator.SUBCLONE, arch, source.tensors(),
 *         GrowthTarget.parse("hidden=384,layers=4,ffn=1024"), imp, null, GrowthOptions.defaults());
 * }</pre>
 */
public final class Shrinking {

    /** Which blocks a shallower model keeps. */
    public enum DepthRule {
        /** The first N (weight selection). */
        FIRST,
        /** All but {@code L − L′} consecutive blocks from the middle (weight subcloning). */
        MIDDLE,
        /** The {@code L′} blocks with the largest {@code 1 − cos(input, output)} (Minitron). */
        IMPORTANCE;

        /** The operator's own rule: FIRST for select, MIDDLE for subclone and magnitude. */
        public static DepthRule defaultFor(GrowthOperator op) {
            return op == GrowthOperator.SELECT ? FIRST : MIDDLE;
        }
    }

    /** Which weights subcloning's √(d/d′) multiplies (select never rescales). */
    public enum Rescale {
        /**
         * Every weight matrix whose input axis shrinks — residual channels, heads or FFN neurons —
         * by √(inputs/kept) (the paper: the std of an output is proportional to √fan-in).
         */
        FAN_IN,
        /**
         * Only weights that read the residual stream (through a norm), whose √(d/d′) offsets the
         * norm's larger output when quiet channels leave its statistics; not the output projections
         * behind removed heads or neurons, which lost little when those were quiet.
         */
        RESIDUAL,
        /** No rescale. */
        NONE
    }

    /**
     * How a shrink chooses depth and rescales.
     *
     * @param depth which blocks stay; null for the operator's default
     * @param rescale which weights get √(d/d′)
     */
    public record Settings(DepthRule depth, Rescale rescale) {

        public Settings {
            java.util.Objects.requireNonNull(rescale, "rescale");
        }

        /** The operator's default depth rule and the paper's rescale of every fan-in. */
        public static Settings defaults() {
            return new Settings(null, Rescale.FAN_IN);
        }

        public Settings withDepth(DepthRule d) {
            return new Settings(d, rescale);
        }

        public Settings withRescale(Rescale r) {
            return new Settings(depth, r);
        }
    }

    private Shrinking() {}

    /**
     * Plans {@code operator} (subclone, select or magnitude) to {@code target}; sizes not given
     * keep the source's value.
     *
     * @param importance the scores subclone and magnitude keep the best by; ignored by select
     * @param settings depth rule and rescale
     * @throws GrowthPlanException when the target is larger than the source or not a shape the
     *     family allows, naming what would work
     */
    public static GrowthPlan plan(
            GrowthOperator operator,
            ArchSpec source,
            List<TensorInfo> tensors,
            GrowthTarget target,
            Importance importance,
            Settings settings,
            GrowthOptions options) {
        if (!operator.isShrink()) {
            throw new GrowthPlanException(
                    operator + " is not a shrink operator; use subclone, select or magnitude");
        }
        String op = operator.cliName();
        DepthRule depth =
                settings.depth() != null ? settings.depth() : DepthRule.defaultFor(operator);
        Rescale rescale = operator == GrowthOperator.SELECT ? Rescale.NONE : settings.rescale();
        boolean select = operator == GrowthOperator.SELECT;
        if (!select && importance == null) {
            throw new GrowthPlanException(op + " needs importance scores; none were given");
        }
        List<String> notes = new ArrayList<>();
        Map<String, TensorInfo> byName = Expansion.checkedSource(source, tensors, notes);
        if (importance != null && !select) {
            checkImportance(op, source, importance);
        }
        int hidden = size(op, "hidden", source.hiddenSize(), target.hidden());
        int layers = size(op, "layers", source.numLayers(), target.layers());
        int ffn = size(op, "ffn", source.intermediateSize(), target.ffn());
        int heads;
        if (source.family() == Family.GPT2 || source.family().isEncoder()) {
            if (hidden % source.headDim() != 0) {
                throw new GrowthPlanException(
                        op
                                + ": "
                                + source.family().modelType()
                                + " keeps head_dim "
                                + source.headDim()
                                + " (whole heads), so hidden must be a multiple of it; hidden="
                                + hidden
                                + " is not. Use hidden="
                                + Math.max(
                                        source.headDim(),
                                        hidden / source.headDim() * source.headDim()));
            }
            heads = hidden / source.headDim();
            if (target.heads() != null && target.heads() != heads) {
                throw new GrowthPlanException(
                        op
                                + ": heads="
                                + target.heads()
                                + " with hidden="
                                + hidden
                                + " would change head_dim "
                                + source.headDim()
                                + "; whole heads are kept, so use heads="
                                + heads);
            }
        } else {
            heads = size(op, "heads", source.numHeads(), target.heads());
        }
        int ratio = source.numHeads() / source.numKvHeads();
        if (heads % ratio != 0) {
            throw new GrowthPlanException(
                    op
                            + ": heads="
                            + heads
                            + " is not a multiple of the "
                            + ratio
                            + " query heads per KV head; whole KV groups are kept with their"
                            + " query heads. Use heads="
                            + Math.max(ratio, heads / ratio * ratio));
        }
        int kvHeads = heads / ratio;
        if (target.kvHeads() != null && target.kvHeads() != kvHeads) {
            throw new GrowthPlanException(
                    op
                            + ": kv_heads="
                            + target.kvHeads()
                            + " with heads="
                            + heads
                            + " changes the "
                            + ratio
                            + " query heads per KV head; use kv_heads="
                            + kvHeads);
        }
        ArchSpec shrunk =
                Sizes.resized(
                        source,
                        hidden,
                        layers,
                        heads,
                        kvHeads,
                        ffn,
                        source.normEps(),
                        source.tieWordEmbeddings());
        int[] kept = keptLayers(op, depth, source.numLayers(), layers, importance);
        List<Integer> layerList = new ArrayList<>();
        List<Expansion.BlockKind> kinds = new ArrayList<>();
        for (int s : kept) {
            layerList.add(s);
            kinds.add(Expansion.BlockKind.COPY);
        }
        Expansion.Depth d = Expansion.Depth.of(layerList, kinds);
        AxisMap hiddenMap =
                select
                        ? AxisMap.evenlySpaced("hidden", source.hiddenSize(), hidden)
                        : AxisMap.select(
                                "hidden",
                                source.hiddenSize(),
                                Importance.top(importance.hidden(), hidden));
        Expansion.Width[] perSource = new Expansion.Width[source.numLayers()];
        double[][] headScores = select ? null : importance.heads();
        double[][] ffnScores = select ? null : importance.ffn();
        for (int s = 0; s < perSource.length; s++) {
            AxisMap groups =
                    select
                            ? AxisMap.evenlySpaced("kv_heads", source.numKvHeads(), kvHeads)
                            : AxisMap.select(
                                    "kv_heads",
                                    source.numKvHeads(),
                                    Importance.top(
                                            Importance.grouped(headScores[s], source.numKvHeads()),
                                            kvHeads));
            AxisMap headMap = AxisMap.perHead("heads", groups, ratio);
            AxisMap ffnMap =
                    select
                            ? AxisMap.evenlySpaced("ffn", source.intermediateSize(), ffn)
                            : AxisMap.select(
                                    "ffn",
                                    source.intermediateSize(),
                                    Importance.top(ffnScores[s], ffn));
            perSource[s] = width(hiddenMap, headMap, groups, ffnMap);
        }
        Expansion.Width outside =
                width(
                        hiddenMap,
                        AxisMap.identity("heads", source.numHeads()),
                        AxisMap.identity("kv_heads", source.numKvHeads()),
                        AxisMap.identity("ffn", source.intermediateSize()));
        notes.add(d.describe() + " (" + depthWords(depth) + ")");
        notes.add(hiddenMap.describe() + (select ? ", evenly spaced" : ", by importance"));
        if (!select) {
            notes.add("importance: " + importance.basis());
        }
        notes.add(
                switch (rescale) {
                    case FAN_IN ->
                            "weights whose input axis shrinks are multiplied by √(inputs/kept);"
                                    + " norms, biases and embeddings are not";
                    case RESIDUAL ->
                            "weights reading the residual stream are multiplied by √(d/d′);"
                                    + " nothing else is rescaled";
                    case NONE -> "no rescale";
                });
        if (source.family().isLlamaLike() && hidden != source.hiddenSize()) {
            notes.add(
                    "whole heads are kept: head_dim "
                            + source.headDim()
                            + " and RoPE pairs intact");
        }
        List<TensorMapping> mappings =
                Expansion.mappings(
                        source,
                        shrunk,
                        byName,
                        t -> perSource[d.sourceLayer()[t]],
                        outside,
                        d,
                        0,
                        in ->
                                rescale == Rescale.FAN_IN
                                        || rescale == Rescale.RESIDUAL
                                                && in.name().equals("hidden"),
                        notes);
        return new GrowthPlan(
                operator,
                source,
                shrunk,
                mappings,
                Exactness.approximate(
                        "removed channels, heads, neurons and blocks change the function; "
                                + (select
                                        ? "weight selection keeps evenly spaced weights"
                                        : "subcloning keeps the most important ones")
                                + " and training continues from there"),
                notes,
                options,
                ContinuationSchedule.recommended(operator).with(options.schedule()),
                Map.of(),
                List.of());
    }

    /**
     * The source residual channel behind each channel of a shrunk model, read from the plan's token
     * embedding (the first tensor of every family): {@code keptHidden(plan)[j]} is the source
     * channel that the shrunk channel {@code j} copies.
     */
    public static int[] keptHidden(GrowthPlan plan) {
        TensorMapping embedding = plan.mappings().get(0);
        if (embedding.rule() instanceof Remap r && r.cols() != null) {
            return r.cols().origin();
        }
        int[] same = new int[plan.target().hiddenSize()];
        for (int i = 0; i < same.length; i++) {
            same[i] = i;
        }
        return same;
    }

    /** The kept source blocks in order. */
    static int[] keptLayers(
            String op, DepthRule rule, int source, int target, Importance importance) {
        int drop = source - target;
        int[] kept = new int[target];
        switch (rule) {
            case FIRST -> {
                for (int i = 0; i < target; i++) {
                    kept[i] = i;
                }
            }
            case MIDDLE -> {
                // drop [start, start + drop): floor(L′/2) blocks stay below, the rest above
                int start = target / 2;
                for (int i = 0, s = 0; s < source; s++) {
                    if (s < start || s >= start + drop) {
                        kept[i++] = s;
                    }
                }
            }
            case IMPORTANCE -> {
                if (importance == null || importance.blocks() == null) {
                    throw new GrowthPlanException(
                            op
                                    + ": depth by block importance needs calibration activations;"
                                    + " use subclone with calibration tokens, or the middle rule");
                }
                int[] best = Importance.top(importance.blocks(), target);
                Arrays.sort(best);
                kept = best;
            }
        }
        return kept;
    }

    private static Expansion.Width width(AxisMap h, AxisMap heads, AxisMap kv, AxisMap ffn) {
        return new Expansion.Width(
                h,
                heads,
                kv,
                ffn,
                Fill.zero(),
                Fill.zero(),
                Fill.zero(),
                FanIn.equal(),
                1,
                Fill.constant(1),
                1,
                false);
    }

    private static String depthWords(DepthRule rule) {
        return switch (rule) {
            case FIRST -> "the first blocks";
            case MIDDLE -> "middle blocks removed";
            case IMPORTANCE -> "blocks with the largest 1 − cos(input, output)";
        };
    }

    private static int size(String op, String key, int source, Integer asked) {
        if (asked == null) {
            return source;
        }
        if (asked > source) {
            throw new GrowthPlanException(
                    op
                            + " shrinks; --to "
                            + key
                            + "="
                            + asked
                            + " is larger than the source's "
                            + source
                            + ". Give "
                            + key
                            + " ≤ "
                            + source
                            + " (graft grow makes models larger)");
        }
        return asked;
    }

    private static void checkImportance(String op, ArchSpec a, Importance imp) {
        boolean ok = imp.hidden().length == a.hiddenSize() && imp.layers() == a.numLayers();
        for (int l = 0; ok && l < imp.layers(); l++) {
            ok =
                    imp.heads()[l].length == a.numHeads()
                            && imp.ffn()[l].length == a.intermediateSize();
        }
        if (!ok) {
            throw new GrowthPlanException(
                    op
                            + ": the importance scores ("
                            + imp
                            + ") were not measured on this architecture ("
                            + GrowthPlan.summary(a)
                            + ")");
        }
    }
}
