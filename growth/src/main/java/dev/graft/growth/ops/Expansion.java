package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.ExpectedTensor;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.LayoutCheck;
import dev.graft.growth.arch.LayoutVariant;
import dev.graft.growth.arch.TensorLayout;
import dev.graft.growth.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shared planner behind the width and depth operators: given index maps for the hidden, head
 * and FFN axes, the fills and fan-in rule of an operator, and a layer map, it assigns a {@link
 * Remap} to every tensor of the target architecture by the tensor's role (OPERATORS.md §5: treat
 * weights by role, not by name).
 */
final class Expansion {

    /** What a target block is. */
    enum BlockKind {
        /** A (width-grown) copy of its source block. */
        COPY,
        /** A copy whose output projections (attention and FFN, weights and biases) are zero. */
        ZERO_OUTPUT,
        /** A copy whose output projections' copies cancel (LEMON), zero where they cannot. */
        CANCEL_OUTPUT
    }

    /**
     * The layer map: target block {@code t} comes from source block {@code sourceLayer[t]}, which
     * ran at index {@code sourcePosition[t]} in the source (its own index, except for layers that
     * borrowed a shared layer's weights).
     */
    record Depth(int[] sourceLayer, BlockKind[] kind, int[] sourcePosition) {
        Depth {
            sourceLayer = sourceLayer.clone();
            kind = kind.clone();
            sourcePosition = sourcePosition.clone();
        }

        Depth(int[] sourceLayer, BlockKind[] kind) {
            this(sourceLayer, kind, sourceLayer);
        }

        /** The same map for blocks that keep their index (unsharing: same positions, own copy). */
        Depth positionsKept() {
            int[] p = new int[sourceLayer.length];
            for (int t = 0; t < p.length; t++) {
                p[t] = t;
            }
            return new Depth(sourceLayer, kind, p);
        }

        static Depth identity(int layers) {
            int[] s = new int[layers];
            BlockKind[] k = new BlockKind[layers];
            for (int i = 0; i < layers; i++) {
                s[i] = i;
                k[i] = BlockKind.COPY;
            }
            return new Depth(s, k);
        }

        static Depth of(List<Integer> layers, List<BlockKind> kinds) {
            int[] s = new int[layers.size()];
            BlockKind[] k = new BlockKind[layers.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = layers.get(i);
                k[i] = kinds.get(i);
            }
            return new Depth(s, k);
        }

        int size() {
            return sourceLayer.length;
        }

        String describe() {
            StringBuilder b = new StringBuilder("layers ←");
            for (int t = 0; t < sourceLayer.length; t++) {
                b.append(' ').append(sourceLayer[t]);
                if (kind[t] == BlockKind.ZERO_OUTPUT) {
                    b.append("(zero-out)");
                } else if (kind[t] == BlockKind.CANCEL_OUTPUT) {
                    b.append("(cancel-out)");
                }
            }
            return b.toString();
        }
    }

    /**
     * The width side of an operator.
     *
     * @param residual fill of new residual-stream channels in what writes to the stream
     *     (embeddings, output projections, their biases)
     * @param fresh fill of new head/FFN channels in what produces them
     * @param inputs fill of weights that read a new channel
     * @param normScale multiplies every norm gain (LEMON √(kd/D))
     * @param normGain fill of new norm-gain channels
     * @param finalScale multiplies the norm before a tied head (1/k keeps the head tied)
     * @param untieHead write an explicit head from the embedding
     */
    record Width(
            AxisMap hidden,
            AxisMap heads,
            AxisMap kvHeads,
            AxisMap ffn,
            Fill residual,
            Fill fresh,
            Fill inputs,
            FanIn fanIn,
            double normScale,
            Fill normGain,
            double finalScale,
            boolean untieHead) {}

    private static final Pattern LAYER =
            Pattern.compile("^(h|layers|encoder\\.layer)\\.(\\d+)\\.(.+)$");

    private Expansion() {}

    /** The identity width of {@code a}: every axis copied once. */
    static Width identityWidth(ArchSpec a) {
        return new Width(
                AxisMap.identity("hidden", a.hiddenSize()),
                AxisMap.identity("heads", a.numHeads()),
                AxisMap.identity("kv_heads", a.numKvHeads()),
                AxisMap.identity("ffn", a.intermediateSize()),
                Fill.zero(),
                Fill.zero(),
                Fill.zero(),
                FanIn.equal(),
                1,
                Fill.constant(1),
                1,
                false);
    }

    /**
     * Checks the source tensors against {@code source} and returns them by name.
     *
     * @throws GrowthPlanException naming missing, misshapen or unknown tensors
     */
    static Map<String, TensorInfo> checkedSource(
            ArchSpec source, List<TensorInfo> tensors, List<String> notes) {
        if (source.family() == Family.ALBERT) {
            throw new GrowthPlanException(
                    "albert shares its layers, which width and depth growth cannot map one to one;"
                            + " unshare it first (--op unshare makes an equivalent bert), then grow"
                            + " that");
        }
        LayoutCheck check = TensorLayout.check(source, tensors);
        if (!check.missing().isEmpty() || !check.wrongShapes().isEmpty()) {
            List<String> problems = new ArrayList<>();
            check.missing().stream().limit(5).forEach(m -> problems.add("missing " + m));
            check.wrongShapes().stream().limit(5).forEach(problems::add);
            throw new GrowthPlanException(
                    "the source tensors do not match its config ("
                            + GrowthPlan.summary(source)
                            + "): "
                            + String.join("; ", problems)
                            + ". Is config.json the one these weights were saved with?");
        }
        if (!check.unexpected().isEmpty()) {
            throw new GrowthPlanException(
                    "the source holds tensors "
                            + source.family().modelType()
                            + " does not define, which Graft will not guess how to grow: "
                            + check.unexpected().stream().limit(5).toList()
                            + ". Remove them or convert the checkpoint to the Hugging Face layout");
        }
        if (!check.ignoredBuffers().isEmpty()) {
            notes.add(
                    "buffers not written (not weights; the model rebuilds them): "
                            + check.ignoredBuffers().stream().limit(3).toList()
                            + (check.ignoredBuffers().size() > 3 ? " …" : ""));
        }
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            byName.put(t.name(), t);
        }
        return byName;
    }

    /** One mapping per tensor of {@code target}, in module order. */
    static List<TensorMapping> mappings(
            ArchSpec source,
            ArchSpec target,
            Map<String, TensorInfo> sourceTensors,
            Width w,
            Depth depth,
            double cancelStd,
            List<String> notes) {
        return mappings(
                source, target, sourceTensors, layer -> w, w, depth, cancelStd, in -> false, notes);
    }

    /**
     * One mapping per tensor of {@code target}, with a width per target block (subcloning orders
     * heads and FFN neurons per layer) and, with {@code rescaleWeights}, every weight matrix whose
     * input axis shrinks multiplied by √(inputs / kept inputs) (subcloning's √(d/d′); norms, biases
     * and embeddings unscaled).
     *
     * @param layerWidth the width of target block {@code t}
     * @param outside the width of the tensors outside the blocks (only its hidden axis matters)
     */
    static List<TensorMapping> mappings(
            ArchSpec source,
            ArchSpec target,
            Map<String, TensorInfo> sourceTensors,
            java.util.function.IntFunction<Width> layerWidth,
            Width outside,
            Depth depth,
            double cancelStd,
            java.util.function.Predicate<AxisMap> rescaleInput,
            List<String> notes) {
        LayoutVariant variant = TensorLayout.detectVariant(source.family(), sourceTensors.keySet());
        String prefix = variant.prefix();
        List<TensorMapping> out = new ArrayList<>();
        List<String> aliasesSkipped = new ArrayList<>();
        List<Integer> scaledQueries = new ArrayList<>();
        for (ExpectedTensor e : TensorLayout.expected(target, variant)) {
            if (!e.isRequired()) {
                if (sourceTensors.containsKey(e.name())) {
                    aliasesSkipped.add(e.name());
                }
                continue;
            }
            String local = e.name();
            boolean bertHead = local.startsWith("cls.");
            if (!bertHead && local.startsWith(prefix)) {
                local = local.substring(prefix.length());
            }
            String sourceName = e.name();
            BlockKind kind = BlockKind.COPY;
            String rolePart = local;
            Width w = outside;
            int targetLayer = -1;
            Matcher m = LAYER.matcher(local);
            if (!bertHead && m.matches()) {
                int t = Integer.parseInt(m.group(2));
                w = layerWidth.apply(t);
                targetLayer = t;
                int s = depth.sourceLayer()[t];
                kind = depth.kind()[t];
                sourceName = prefix + m.group(1) + "." + s + "." + m.group(3);
                rolePart = "layer." + m.group(3);
            }
            rolePart =
                    rolePart.replace("LayerNorm.gamma", "LayerNorm.weight")
                            .replace("LayerNorm.beta", "LayerNorm.bias");
            String lmHeadSource = null;
            if (rolePart.equals("lm_head.weight")
                    || rolePart.equals("cls.predictions.decoder.weight")) {
                if (!sourceTensors.containsKey(sourceName) || source.tieWordEmbeddings()) {
                    lmHeadSource = embeddingName(source.family(), prefix);
                    sourceName = lmHeadSource;
                }
            }
            AxisMap q = AxisMap.perHead("q", w.heads(), source.headDim());
            AxisMap kv = AxisMap.perHead("kv", w.kvHeads(), source.headDim());
            AxisMap qkv = AxisMap.concat("q|k|v", q, kv, kv);
            TensorRule rule = rule(source.family(), rolePart, kind, w, q, kv, qkv, cancelStd, e);
            if (rule instanceof Remap r && r.inputAxis() != null) {
                AxisMap in = r.inputAxis();
                if (in.size() != in.sourceSize() && rescaleInput.test(in)) {
                    rule = r.withScale(Math.sqrt((double) in.sourceSize() / in.size()));
                }
            }
            if (isIdentity(rule)) {
                rule = TensorRule.copy();
            }
            if (targetLayer >= 0
                    && source.family() == Family.GPT2
                    && source.extraFlag("scale_attn_by_inverse_layer_idx")
                    && depth.sourcePosition()[targetLayer] != targetLayer
                    && rolePart.startsWith("layer.attn.c_attn.")) {
                // Block l's scores are divided by l + 1: a block moved from index s to t keeps
                // its scores when its queries (the first third of c_attn) are multiplied by
                // (t + 1)/(s + 1).
                int s = depth.sourcePosition()[targetLayer];
                rule =
                        TensorRule.scaledLeading(
                                rule, qkv.size(), q.size(), (targetLayer + 1.0) / (s + 1.0));
                if (!scaledQueries.contains(targetLayer)) {
                    scaledQueries.add(targetLayer);
                }
            }
            TensorInfo src = null;
            if (rule.readsSource()) {
                src = sourceTensors.get(sourceName);
                if (src == null) {
                    throw new GrowthPlanException(
                            "target tensor '"
                                    + e.name()
                                    + "' needs source tensor '"
                                    + sourceName
                                    + "', which the source checkpoint lacks");
                }
            }
            TensorInfo targetInfo =
                    new TensorInfo(e.name(), src != null ? src.dtype() : target.dtype(), e.shape());
            out.add(new TensorMapping(targetInfo, src, rule));
        }
        if (!scaledQueries.isEmpty()) {
            notes.add(
                    "scale_attn_by_inverse_layer_idx: queries of moved blocks "
                            + scaledQueries
                            + " rescaled by (new index + 1)/(source index + 1)");
        }
        if (!aliasesSkipped.isEmpty()) {
            notes.add(
                    "tied copies not written (Hugging Face re-ties them on load): "
                            + aliasesSkipped);
        }
        return out;
    }

    /** A remap that changes nothing: every axis the identity, fan-in ÷1, scale 1. */
    private static boolean isIdentity(TensorRule rule) {
        return rule instanceof Remap r
                && r.scale() == 1
                && r.fanIn() instanceof FanIn.Equal
                && r.rows().isIdentity()
                && (r.cols() == null || r.cols().isIdentity());
    }

    private static String embeddingName(Family family, String prefix) {
        return switch (family) {
            case GPT2 -> prefix + "wte.weight";
            case LLAMA, MISTRAL, QWEN2 -> prefix + "embed_tokens.weight";
            case BERT -> prefix + "embeddings.word_embeddings.weight";
            case ALBERT -> throw new IllegalStateException("albert is refused by checkedSource");
        };
    }

    private static TensorRule rule(
            Family family,
            String role,
            BlockKind kind,
            Width w,
            AxisMap q,
            AxisMap kv,
            AxisMap qkv,
            double cancelStd,
            ExpectedTensor e) {
        AxisMap h = w.hidden();
        FanIn writerFanIn =
                switch (kind) {
                    case COPY -> w.fanIn();
                    case ZERO_OUTPUT -> FanIn.zero();
                    case CANCEL_OUTPUT -> FanIn.cancel(cancelStd);
                };
        TensorRule writerBias =
                kind == BlockKind.COPY ? Remap.vector(h, w.residual(), 1) : TensorRule.zeros();
        Remap gain = Remap.vector(h, w.normGain(), w.normScale());
        Remap shift = Remap.vector(h, Fill.zero(), 1);
        Remap finalGain = Remap.vector(h, w.normGain(), w.normScale() * w.finalScale());
        Remap finalShift = Remap.vector(h, Fill.zero(), w.finalScale());
        AxisMap rows0 = e.shape().length > 0 ? AxisMap.identity("rows", (int) e.shape()[0]) : null;
        Remap embedding = rows0 == null ? null : Remap.embedding(rows0, h, w.residual());
        Remap head =
                rows0 == null
                        ? null
                        : Remap.linear(
                                AxisMap.identity("vocab", (int) e.shape()[0]),
                                Fill.zero(),
                                h,
                                w.inputs(),
                                w.fanIn());
        TensorRule r =
                switch (family) {
                    case GPT2 ->
                            switch (role) {
                                case "wte.weight", "wpe.weight" -> embedding;
                                case "ln_f.weight" -> finalGain;
                                case "ln_f.bias" -> finalShift;
                                case "lm_head.weight" -> head;
                                case "layer.ln_1.weight", "layer.ln_2.weight" -> gain;
                                case "layer.ln_1.bias", "layer.ln_2.bias" -> shift;
                                case "layer.attn.c_attn.weight" ->
                                        Remap.conv1d(h, w.inputs(), qkv, w.fresh(), w.fanIn());
                                case "layer.attn.c_attn.bias" -> Remap.vector(qkv, w.fresh(), 1);
                                case "layer.attn.c_proj.weight" ->
                                        Remap.conv1d(q, w.inputs(), h, w.residual(), writerFanIn);
                                case "layer.mlp.c_fc.weight" ->
                                        Remap.conv1d(h, w.inputs(), w.ffn(), w.fresh(), w.fanIn());
                                case "layer.mlp.c_fc.bias" -> Remap.vector(w.ffn(), w.fresh(), 1);
                                case "layer.mlp.c_proj.weight" ->
                                        Remap.conv1d(
                                                w.ffn(), w.inputs(), h, w.residual(), writerFanIn);
                                case "layer.attn.c_proj.bias", "layer.mlp.c_proj.bias" ->
                                        writerBias;
                                default -> null;
                            };
                    case LLAMA, MISTRAL, QWEN2 ->
                            switch (role) {
                                case "embed_tokens.weight" -> embedding;
                                case "norm.weight" -> finalGain;
                                case "lm_head.weight" -> head;
                                case "layer.input_layernorm.weight",
                                        "layer.post_attention_layernorm.weight" ->
                                        gain;
                                case "layer.self_attn.q_proj.weight" ->
                                        Remap.linear(q, w.fresh(), h, w.inputs(), w.fanIn());
                                case "layer.self_attn.k_proj.weight",
                                        "layer.self_attn.v_proj.weight" ->
                                        Remap.linear(kv, w.fresh(), h, w.inputs(), w.fanIn());
                                case "layer.self_attn.q_proj.bias" -> Remap.vector(q, w.fresh(), 1);
                                case "layer.self_attn.k_proj.bias", "layer.self_attn.v_proj.bias" ->
                                        Remap.vector(kv, w.fresh(), 1);
                                case "layer.self_attn.o_proj.weight" ->
                                        Remap.linear(h, w.residual(), q, w.inputs(), writerFanIn);
                                case "layer.mlp.gate_proj.weight", "layer.mlp.up_proj.weight" ->
                                        Remap.linear(w.ffn(), w.fresh(), h, w.inputs(), w.fanIn());
                                case "layer.mlp.gate_proj.bias", "layer.mlp.up_proj.bias" ->
                                        Remap.vector(w.ffn(), w.fresh(), 1);
                                case "layer.mlp.down_proj.weight" ->
                                        Remap.linear(
                                                h, w.residual(), w.ffn(), w.inputs(), writerFanIn);
                                case "layer.self_attn.o_proj.bias", "layer.mlp.down_proj.bias" ->
                                        writerBias;
                                default -> null;
                            };
                    case BERT ->
                            switch (role) {
                                case "embeddings.word_embeddings.weight",
                                        "embeddings.position_embeddings.weight",
                                        "embeddings.token_type_embeddings.weight" ->
                                        embedding;
                                case "embeddings.LayerNorm.weight",
                                        "layer.attention.output.LayerNorm.weight",
                                        "layer.output.LayerNorm.weight" ->
                                        gain;
                                case "embeddings.LayerNorm.bias",
                                        "layer.attention.output.LayerNorm.bias",
                                        "layer.output.LayerNorm.bias" ->
                                        shift;
                                case "layer.attention.self.query.weight",
                                        "layer.attention.self.key.weight",
                                        "layer.attention.self.value.weight" ->
                                        Remap.linear(q, w.fresh(), h, w.inputs(), w.fanIn());
                                case "layer.attention.self.query.bias",
                                        "layer.attention.self.key.bias",
                                        "layer.attention.self.value.bias" ->
                                        Remap.vector(q, w.fresh(), 1);
                                case "layer.attention.output.dense.weight" ->
                                        Remap.linear(h, w.residual(), q, w.inputs(), writerFanIn);
                                case "layer.intermediate.dense.weight" ->
                                        Remap.linear(w.ffn(), w.fresh(), h, w.inputs(), w.fanIn());
                                case "layer.intermediate.dense.bias" ->
                                        Remap.vector(w.ffn(), w.fresh(), 1);
                                case "layer.output.dense.weight" ->
                                        Remap.linear(
                                                h, w.residual(), w.ffn(), w.inputs(), writerFanIn);
                                case "layer.attention.output.dense.bias",
                                        "layer.output.dense.bias" ->
                                        writerBias;
                                case "pooler.dense.weight",
                                        "cls.predictions.transform.dense.weight" ->
                                        Remap.linear(h, w.residual(), h, w.inputs(), w.fanIn());
                                case "pooler.dense.bias", "cls.predictions.transform.dense.bias" ->
                                        Remap.vector(h, w.residual(), 1);
                                case "cls.predictions.transform.LayerNorm.weight" -> finalGain;
                                case "cls.predictions.transform.LayerNorm.bias" -> finalShift;
                                case "cls.predictions.bias", "cls.seq_relationship.bias" ->
                                        TensorRule.copy();
                                case "cls.predictions.decoder.weight" -> head;
                                case "cls.seq_relationship.weight" ->
                                        Remap.linear(
                                                AxisMap.identity("classes", (int) e.shape()[0]),
                                                Fill.zero(),
                                                h,
                                                w.inputs(),
                                                w.fanIn());
                                default -> null;
                            };
                    case ALBERT ->
                            throw new IllegalStateException("albert is refused by checkedSource");
                };
        if (r == null) {
            throw new IllegalStateException(
                    "no growth rule for " + family.modelType() + " tensor '" + e.name() + "'");
        }
        return r;
    }
}
