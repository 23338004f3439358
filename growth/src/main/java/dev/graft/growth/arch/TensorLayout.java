package dev.graft.growth.arch;

import dev.graft.growth.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The tensors (Hugging Face names and shapes) a checkpoint of an architecture holds, per family.
 *
 * <ul>
 *   <li><b>gpt2</b>: Conv1D weights stored (in, out); attention's query, key and value fused in
 *       {@code c_attn} ({@code [d, 3d]}); names bare or under {@code transformer.}; the head is
 *       tied to {@code wte} (an {@code lm_head.weight} copy may be present) unless {@code
 *       tie_word_embeddings} is false.
 *   <li><b>llama</b>, <b>mistral</b>, <b>qwen2</b>: {@code nn.Linear} weights (out, in); grouped
 *       key/value heads; RMSNorm weights only; {@code lm_head.weight} unless tied; qwen2 has
 *       query/key/value biases, llama has them with {@code attention_bias}, MLP biases with {@code
 *       mlp_bias}.
 *   <li><b>bert</b>: post-LN encoder; names under {@code bert.} or bare; legacy {@code
 *       gamma}/{@code beta} norm names; optional pooler, MLM head (decoder tied to the word
 *       embeddings) and NSP head.
 * </ul>
 *
 * <p>{@code TensorLayout.expected(arch, LayoutVariant.hubDefault(arch.family()))} lists the tensors
 * of a Hub checkpoint; {@link #check} matches a checkpoint's tensors against its architecture.
 */
public final class TensorLayout {

    /** Non-parameter buffers some PyTorch versions save; present or not, they are not weights. */
    private static final Pattern BUFFERS =
            Pattern.compile(
                    "(.*\\.attn\\.(bias|masked_bias))|(.*rotary_emb\\.inv_freq)|(.*embeddings\\.position_ids)");

    private TensorLayout() {}

    /** The tensors of {@code arch} under the naming {@code variant}, in module order. */
    public static List<ExpectedTensor> expected(ArchSpec arch, LayoutVariant variant) {
        return switch (arch.family()) {
            case GPT2 -> gpt2(arch, variant);
            case LLAMA, MISTRAL, QWEN2 -> llama(arch, variant);
            case BERT -> bert(arch, variant);
            case ALBERT -> albert(arch, variant);
        };
    }

    /**
     * Parameters of {@code arch} as the Hub stores it ({@link LayoutVariant#hubDefault}), tied
     * tensors counted once.
     */
    public static long parameterCount(ArchSpec arch) {
        return parameterCount(expected(arch, LayoutVariant.hubDefault(arch.family())));
    }

    /** Sum of the element counts of the parameters (aliases of tied tensors not counted). */
    public static long parameterCount(List<ExpectedTensor> tensors) {
        long n = 0;
        for (ExpectedTensor t : tensors) {
            if (t.isRequired()) {
                n = Math.addExact(n, t.elementCount());
            }
        }
        return n;
    }

    /** The naming variant a checkpoint with these tensor names uses. */
    public static LayoutVariant detectVariant(Family family, Collection<String> names) {
        return switch (family) {
            case GPT2 ->
                    new LayoutVariant(
                            names.stream().anyMatch(n -> n.startsWith("transformer."))
                                    ? "transformer."
                                    : "",
                            false,
                            false,
                            false,
                            false);
            case LLAMA, MISTRAL, QWEN2 ->
                    new LayoutVariant(
                            names.stream().anyMatch(n -> n.startsWith("model.")) ? "model." : "",
                            false,
                            false,
                            false,
                            false);
            case BERT -> {
                String prefix = names.stream().anyMatch(n -> n.startsWith("bert.")) ? "bert." : "";
                yield new LayoutVariant(
                        prefix,
                        names.stream().anyMatch(n -> n.endsWith("LayerNorm.gamma")),
                        names.contains(prefix + "pooler.dense.weight"),
                        names.stream().anyMatch(n -> n.startsWith("cls.predictions.")),
                        names.stream().anyMatch(n -> n.startsWith("cls.seq_relationship.")));
            }
            case ALBERT -> {
                String prefix =
                        names.stream().anyMatch(n -> n.startsWith("albert.")) ? "albert." : "";
                yield new LayoutVariant(
                        prefix,
                        false,
                        names.contains(prefix + "pooler.weight"),
                        names.stream().anyMatch(n -> n.startsWith("predictions.")),
                        names.stream().anyMatch(n -> n.startsWith("sop_classifier.")));
            }
        };
    }

    /**
     * Matches a checkpoint's tensors against what {@code arch} expects, in the naming variant the
     * names use.
     */
    public static LayoutCheck check(ArchSpec arch, Collection<TensorInfo> tensors) {
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            byName.put(t.name(), t);
        }
        LayoutVariant variant = detectVariant(arch.family(), byName.keySet());
        List<ExpectedTensor> expected = expected(arch, variant);
        List<String> missing = new ArrayList<>();
        List<String> wrongShapes = new ArrayList<>();
        long parameters = 0;
        Map<String, ExpectedTensor> expectedByName = new LinkedHashMap<>();
        for (ExpectedTensor e : expected) {
            expectedByName.put(e.name(), e);
            TensorInfo found = byName.get(e.name());
            if (found == null) {
                if (e.isRequired()) {
                    missing.add(e.name() + e.shapeString());
                }
                continue;
            }
            if (!found.hasShape(e.shape())) {
                wrongShapes.add(
                        e.name()
                                + ": expected "
                                + e.shapeString()
                                + ", found "
                                + found.shapeString());
            } else if (e.isRequired()) {
                parameters += e.elementCount();
            }
        }
        List<String> unexpected = new ArrayList<>();
        List<String> buffers = new ArrayList<>();
        for (String name : byName.keySet()) {
            if (!expectedByName.containsKey(name)) {
                (BUFFERS.matcher(name).matches() ? buffers : unexpected).add(name);
            }
        }
        return new LayoutCheck(variant, missing, wrongShapes, unexpected, buffers, parameters);
    }

    private static List<ExpectedTensor> gpt2(ArchSpec a, LayoutVariant v) {
        long d = a.hiddenSize();
        long ff = a.intermediateSize();
        String p = v.prefix();
        List<ExpectedTensor> out = new ArrayList<>();
        out.add(ExpectedTensor.parameter(p + "wte.weight", a.vocabSize(), d));
        out.add(ExpectedTensor.parameter(p + "wpe.weight", a.maxPositions(), d));
        for (int i = 0; i < a.numLayers(); i++) {
            String h = p + "h." + i + ".";
            out.add(ExpectedTensor.parameter(h + "ln_1.weight", d));
            out.add(ExpectedTensor.parameter(h + "ln_1.bias", d));
            out.add(ExpectedTensor.parameter(h + "attn.c_attn.weight", d, 3 * d));
            out.add(ExpectedTensor.parameter(h + "attn.c_attn.bias", 3 * d));
            out.add(ExpectedTensor.parameter(h + "attn.c_proj.weight", d, d));
            out.add(ExpectedTensor.parameter(h + "attn.c_proj.bias", d));
            out.add(ExpectedTensor.parameter(h + "ln_2.weight", d));
            out.add(ExpectedTensor.parameter(h + "ln_2.bias", d));
            out.add(ExpectedTensor.parameter(h + "mlp.c_fc.weight", d, ff));
            out.add(ExpectedTensor.parameter(h + "mlp.c_fc.bias", ff));
            out.add(ExpectedTensor.parameter(h + "mlp.c_proj.weight", ff, d));
            out.add(ExpectedTensor.parameter(h + "mlp.c_proj.bias", d));
        }
        out.add(ExpectedTensor.parameter(p + "ln_f.weight", d));
        out.add(ExpectedTensor.parameter(p + "ln_f.bias", d));
        out.add(head(a, "lm_head.weight", p + "wte.weight", a.vocabSize(), d));
        return out;
    }

    private static List<ExpectedTensor> llama(ArchSpec a, LayoutVariant v) {
        long d = a.hiddenSize();
        long ff = a.intermediateSize();
        long q = a.queryWidth();
        long kv = a.kvWidth();
        boolean qkvBias = a.family() == Family.QWEN2 || a.extraFlag("attention_bias");
        boolean oBias = a.family() != Family.QWEN2 && a.extraFlag("attention_bias");
        boolean mlpBias = a.extraFlag("mlp_bias");
        String p = v.prefix();
        List<ExpectedTensor> out = new ArrayList<>();
        out.add(ExpectedTensor.parameter(p + "embed_tokens.weight", a.vocabSize(), d));
        for (int i = 0; i < a.numLayers(); i++) {
            String l = p + "layers." + i + ".";
            out.add(ExpectedTensor.parameter(l + "input_layernorm.weight", d));
            out.add(ExpectedTensor.parameter(l + "self_attn.q_proj.weight", q, d));
            if (qkvBias) {
                out.add(ExpectedTensor.parameter(l + "self_attn.q_proj.bias", q));
            }
            out.add(ExpectedTensor.parameter(l + "self_attn.k_proj.weight", kv, d));
            if (qkvBias) {
                out.add(ExpectedTensor.parameter(l + "self_attn.k_proj.bias", kv));
            }
            out.add(ExpectedTensor.parameter(l + "self_attn.v_proj.weight", kv, d));
            if (qkvBias) {
                out.add(ExpectedTensor.parameter(l + "self_attn.v_proj.bias", kv));
            }
            out.add(ExpectedTensor.parameter(l + "self_attn.o_proj.weight", d, q));
            if (oBias) {
                out.add(ExpectedTensor.parameter(l + "self_attn.o_proj.bias", d));
            }
            out.add(ExpectedTensor.parameter(l + "post_attention_layernorm.weight", d));
            out.add(ExpectedTensor.parameter(l + "mlp.gate_proj.weight", ff, d));
            if (mlpBias) {
                out.add(ExpectedTensor.parameter(l + "mlp.gate_proj.bias", ff));
            }
            out.add(ExpectedTensor.parameter(l + "mlp.up_proj.weight", ff, d));
            if (mlpBias) {
                out.add(ExpectedTensor.parameter(l + "mlp.up_proj.bias", ff));
            }
            out.add(ExpectedTensor.parameter(l + "mlp.down_proj.weight", d, ff));
            if (mlpBias) {
                out.add(ExpectedTensor.parameter(l + "mlp.down_proj.bias", d));
            }
        }
        out.add(ExpectedTensor.parameter(p + "norm.weight", d));
        out.add(head(a, "lm_head.weight", p + "embed_tokens.weight", a.vocabSize(), d));
        return out;
    }

    private static List<ExpectedTensor> bert(ArchSpec a, LayoutVariant v) {
        long d = a.hiddenSize();
        long ff = a.intermediateSize();
        String p = v.prefix();
        String w = v.legacyNormNames() ? "gamma" : "weight";
        String b = v.legacyNormNames() ? "beta" : "bias";
        List<ExpectedTensor> out = new ArrayList<>();
        String e = p + "embeddings.";
        out.add(ExpectedTensor.parameter(e + "word_embeddings.weight", a.vocabSize(), d));
        out.add(ExpectedTensor.parameter(e + "position_embeddings.weight", a.maxPositions(), d));
        out.add(
                ExpectedTensor.parameter(
                        e + "token_type_embeddings.weight", a.extraInt("type_vocab_size", 2), d));
        out.add(ExpectedTensor.parameter(e + "LayerNorm." + w, d));
        out.add(ExpectedTensor.parameter(e + "LayerNorm." + b, d));
        for (int i = 0; i < a.numLayers(); i++) {
            String l = p + "encoder.layer." + i + ".";
            for (String proj : List.of("query", "key", "value")) {
                out.add(ExpectedTensor.parameter(l + "attention.self." + proj + ".weight", d, d));
                out.add(ExpectedTensor.parameter(l + "attention.self." + proj + ".bias", d));
            }
            out.add(ExpectedTensor.parameter(l + "attention.output.dense.weight", d, d));
            out.add(ExpectedTensor.parameter(l + "attention.output.dense.bias", d));
            out.add(ExpectedTensor.parameter(l + "attention.output.LayerNorm." + w, d));
            out.add(ExpectedTensor.parameter(l + "attention.output.LayerNorm." + b, d));
            out.add(ExpectedTensor.parameter(l + "intermediate.dense.weight", ff, d));
            out.add(ExpectedTensor.parameter(l + "intermediate.dense.bias", ff));
            out.add(ExpectedTensor.parameter(l + "output.dense.weight", d, ff));
            out.add(ExpectedTensor.parameter(l + "output.dense.bias", d));
            out.add(ExpectedTensor.parameter(l + "output.LayerNorm." + w, d));
            out.add(ExpectedTensor.parameter(l + "output.LayerNorm." + b, d));
        }
        if (v.pooler()) {
            out.add(ExpectedTensor.parameter(p + "pooler.dense.weight", d, d));
            out.add(ExpectedTensor.parameter(p + "pooler.dense.bias", d));
        }
        if (v.mlmHead()) {
            String c = "cls.predictions.";
            out.add(ExpectedTensor.parameter(c + "bias", a.vocabSize()));
            out.add(ExpectedTensor.parameter(c + "transform.dense.weight", d, d));
            out.add(ExpectedTensor.parameter(c + "transform.dense.bias", d));
            out.add(ExpectedTensor.parameter(c + "transform.LayerNorm." + w, d));
            out.add(ExpectedTensor.parameter(c + "transform.LayerNorm." + b, d));
            out.add(head(a, c + "decoder.weight", e + "word_embeddings.weight", a.vocabSize(), d));
            out.add(ExpectedTensor.alias(c + "decoder.bias", c + "bias", a.vocabSize()));
        }
        if (v.nspHead()) {
            out.add(ExpectedTensor.parameter("cls.seq_relationship.weight", 2, d));
            out.add(ExpectedTensor.parameter("cls.seq_relationship.bias", 2));
        }
        return out;
    }

    /**
     * ALBERT ({@code modeling_albert.py}): embeddings at {@code embedding_size} (extra), projected
     * by {@code encoder.embedding_hidden_mapping_in}; {@code num_layer_groups} groups of {@code
     * inner_group_num} (extra, default 1) layers, shared by all {@code num_layers} positions.
     */
    private static List<ExpectedTensor> albert(ArchSpec a, LayoutVariant v) {
        long d = a.hiddenSize();
        long ff = a.intermediateSize();
        long emb = a.extraInt("embedding_size", 128);
        String p = v.prefix();
        List<ExpectedTensor> out = new ArrayList<>();
        String e = p + "embeddings.";
        out.add(ExpectedTensor.parameter(e + "word_embeddings.weight", a.vocabSize(), emb));
        out.add(ExpectedTensor.parameter(e + "position_embeddings.weight", a.maxPositions(), emb));
        out.add(
                ExpectedTensor.parameter(
                        e + "token_type_embeddings.weight", a.extraInt("type_vocab_size", 2), emb));
        out.add(ExpectedTensor.parameter(e + "LayerNorm.weight", emb));
        out.add(ExpectedTensor.parameter(e + "LayerNorm.bias", emb));
        out.add(ExpectedTensor.parameter(p + "encoder.embedding_hidden_mapping_in.weight", d, emb));
        out.add(ExpectedTensor.parameter(p + "encoder.embedding_hidden_mapping_in.bias", d));
        int inner = a.extraInt("inner_group_num", 1);
        for (int g = 0; g < a.numLayerGroups(); g++) {
            for (int j = 0; j < inner; j++) {
                String l = p + "encoder.albert_layer_groups." + g + ".albert_layers." + j + ".";
                out.add(ExpectedTensor.parameter(l + "full_layer_layer_norm.weight", d));
                out.add(ExpectedTensor.parameter(l + "full_layer_layer_norm.bias", d));
                for (String proj : List.of("query", "key", "value", "dense")) {
                    out.add(ExpectedTensor.parameter(l + "attention." + proj + ".weight", d, d));
                    out.add(ExpectedTensor.parameter(l + "attention." + proj + ".bias", d));
                }
                out.add(ExpectedTensor.parameter(l + "attention.LayerNorm.weight", d));
                out.add(ExpectedTensor.parameter(l + "attention.LayerNorm.bias", d));
                out.add(ExpectedTensor.parameter(l + "ffn.weight", ff, d));
                out.add(ExpectedTensor.parameter(l + "ffn.bias", ff));
                out.add(ExpectedTensor.parameter(l + "ffn_output.weight", d, ff));
                out.add(ExpectedTensor.parameter(l + "ffn_output.bias", d));
            }
        }
        if (v.pooler()) {
            out.add(ExpectedTensor.parameter(p + "pooler.weight", d, d));
            out.add(ExpectedTensor.parameter(p + "pooler.bias", d));
        }
        if (v.mlmHead()) {
            out.add(ExpectedTensor.parameter("predictions.bias", a.vocabSize()));
            out.add(ExpectedTensor.parameter("predictions.dense.weight", emb, d));
            out.add(ExpectedTensor.parameter("predictions.dense.bias", emb));
            out.add(ExpectedTensor.parameter("predictions.LayerNorm.weight", emb));
            out.add(ExpectedTensor.parameter("predictions.LayerNorm.bias", emb));
            out.add(
                    head(
                            a,
                            "predictions.decoder.weight",
                            e + "word_embeddings.weight",
                            a.vocabSize(),
                            emb));
            out.add(
                    ExpectedTensor.alias(
                            "predictions.decoder.bias", "predictions.bias", a.vocabSize()));
        }
        if (v.nspHead()) {
            out.add(ExpectedTensor.parameter("sop_classifier.classifier.weight", 2, d));
            out.add(ExpectedTensor.parameter("sop_classifier.classifier.bias", 2));
        }
        return out;
    }

    private static ExpectedTensor head(ArchSpec a, String name, String embedding, long... shape) {
        return a.tieWordEmbeddings()
                ? ExpectedTensor.alias(name, embedding, shape)
                : ExpectedTensor.parameter(name, shape);
    }
}
