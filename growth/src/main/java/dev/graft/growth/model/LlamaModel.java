package dev.graft.growth.model;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.TensorLayout;
import dev.graft.growth.tensor.TensorSource;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;

/**
 * Llama, Mistral and Qwen2 ({@code modeling_llama.py} {@code LlamaModel}, {@code
 * LlamaDecoderLayer}, {@code LlamaAttention}, {@code LlamaMLP}, {@code LlamaRMSNorm}): RMSNorm
 * before attention and MLP, rotary positions ({@link Rope}), grouped-query attention, SwiGLU MLP
 * {@code down(act(gate(x))·up(x))}, final norm, head tied to the embedding or {@code lm_head}.
 * Query/key/value biases for qwen2 and with {@code attention_bias} (which also adds the output bias
 * for llama); MLP biases with {@code mlp_bias}.
 */
final class LlamaModel extends AbstractModel {

    private final String p;
    private final Activation activation;
    private final boolean qkvBias;
    private final boolean oBias;
    private final boolean mlpBias;
    private final String headName;
    private final Rope rope;
    private final int slidingWindow;

    LlamaModel(ArchSpec arch, TensorSource tensors) {
        super(arch, tensors);
        String scaling = arch.extra().get("rope_scaling");
        if (scaling != null && !scaling.isBlank() && !scaling.equals("null")) {
            throw new IllegalArgumentException(
                    "rope_scaling "
                            + scaling
                            + " is not implemented by the reference forward pass; only the"
                            + " default rotary embedding is");
        }
        this.p =
                TensorLayout.detectVariant(Family.LLAMA, tensors.tensorsByName().keySet()).prefix();
        this.activation = Activation.fromHfName(arch.activation());
        this.qkvBias = arch.family() == Family.QWEN2 || arch.extraFlag("attention_bias");
        this.oBias = arch.family() != Family.QWEN2 && arch.extraFlag("attention_bias");
        this.mlpBias = arch.extraFlag("mlp_bias");
        this.rope = new Rope(arch.headDim(), arch.ropeTheta() == null ? 10000.0 : arch.ropeTheta());
        boolean windowed =
                arch.family() == Family.MISTRAL
                        || (arch.family() == Family.QWEN2 && arch.extraFlag("use_sliding_window"));
        String window = arch.extra().get("sliding_window");
        this.slidingWindow =
                windowed && window != null && window.matches("\\d+") ? Integer.parseInt(window) : 0;
        long d = arch.hiddenSize();
        long ff = arch.intermediateSize();
        long q = arch.queryWidth();
        long kv = arch.kvWidth();
        weights.require(p + "embed_tokens.weight", arch.vocabSize(), d);
        for (int i = 0; i < arch.numLayers(); i++) {
            String l = p + "layers." + i + ".";
            weights.require(l + "input_layernorm.weight", d)
                    .require(l + "self_attn.q_proj.weight", q, d)
                    .require(l + "self_attn.k_proj.weight", kv, d)
                    .require(l + "self_attn.v_proj.weight", kv, d)
                    .require(l + "self_attn.o_proj.weight", d, q)
                    .require(l + "post_attention_layernorm.weight", d)
                    .require(l + "mlp.gate_proj.weight", ff, d)
                    .require(l + "mlp.up_proj.weight", ff, d)
                    .require(l + "mlp.down_proj.weight", d, ff);
            if (qkvBias) {
                weights.require(l + "self_attn.q_proj.bias", q)
                        .require(l + "self_attn.k_proj.bias", kv)
                        .require(l + "self_attn.v_proj.bias", kv);
            }
            if (oBias) {
                weights.require(l + "self_attn.o_proj.bias", d);
            }
            if (mlpBias) {
                weights.require(l + "mlp.gate_proj.bias", ff)
                        .require(l + "mlp.up_proj.bias", ff)
                        .require(l + "mlp.down_proj.bias", d);
            }
        }
        weights.require(p + "norm.weight", d);
        this.headName = arch.tieWordEmbeddings() ? p + "embed_tokens.weight" : "lm_head.weight";
        weights.require(headName, arch.vocabSize(), d);
        weights.check(arch.family().modelType());
    }

    @Override
    public boolean hasHead() {
        return true;
    }

    @Override
    boolean learnedPositions() {
        return false;
    }

    @Override
    INDArray[] compute(ModelInput in, ActivationTap tap) throws IOException {
        int batch = in.batchSize();
        int tokens = in.sequenceLength();
        if (slidingWindow > 0 && tokens > slidingWindow) {
            throw new IllegalArgumentException(
                    tokens
                            + " tokens per sequence exceed the sliding window of "
                            + slidingWindow
                            + ", which the reference forward pass does not implement");
        }
        int d = arch.hiddenSize();
        double eps = arch.normEps();
        INDArray h =
                matrix(
                        embed(in, weights.floats(p + "embed_tokens.weight"), d, null),
                        (long) batch * tokens,
                        d);
        tap.embeddings(h);
        INDArray[] masks = scoreMasks(in, true);
        double scale = 1.0 / Math.sqrt(arch.headDim());
        for (int i = 0; i < arch.numLayers(); i++) {
            String l = p + "layers." + i + ".";
            tap.blockInput(i, h);
            INDArray x = Nn.rmsNorm(h, weights.get(l + "input_layernorm.weight"), eps);
            INDArray q =
                    Nn.linear(
                            x,
                            weights.get(l + "self_attn.q_proj.weight"),
                            bias(qkvBias, l + "self_attn.q_proj.bias"));
            INDArray k =
                    Nn.linear(
                            x,
                            weights.get(l + "self_attn.k_proj.weight"),
                            bias(qkvBias, l + "self_attn.k_proj.bias"));
            INDArray v =
                    Nn.linear(
                            x,
                            weights.get(l + "self_attn.v_proj.weight"),
                            bias(qkvBias, l + "self_attn.v_proj.bias"));
            rope.applyInPlace(q, batch, tokens);
            rope.applyInPlace(k, batch, tokens);
            INDArray o =
                    attention(
                            q,
                            k,
                            v,
                            batch,
                            tokens,
                            arch.numHeads(),
                            arch.numKvHeads(),
                            arch.headDim(),
                            scale,
                            masks);
            tap.attentionHeads(i, o);
            INDArray written =
                    Nn.linear(
                            o,
                            weights.get(l + "self_attn.o_proj.weight"),
                            bias(oBias, l + "self_attn.o_proj.bias"));
            tap.attentionOutput(i, written);
            h.addi(written);
            x = Nn.rmsNorm(h, weights.get(l + "post_attention_layernorm.weight"), eps);
            INDArray gate =
                    activation.applyInPlace(
                            Nn.linear(
                                    x,
                                    weights.get(l + "mlp.gate_proj.weight"),
                                    bias(mlpBias, l + "mlp.gate_proj.bias")));
            INDArray up =
                    Nn.linear(
                            x,
                            weights.get(l + "mlp.up_proj.weight"),
                            bias(mlpBias, l + "mlp.up_proj.bias"));
            INDArray hidden = gate.muli(up);
            tap.ffnHidden(i, hidden);
            written =
                    Nn.linear(
                            hidden,
                            weights.get(l + "mlp.down_proj.weight"),
                            bias(mlpBias, l + "mlp.down_proj.bias"));
            tap.ffnOutput(i, written);
            h.addi(written);
            tap.blockOutput(i, h);
            weights.release();
        }
        h = Nn.rmsNorm(h, weights.get(p + "norm.weight"), eps);
        return new INDArray[] {h, Nn.linear(h, weights.get(headName), null)};
    }

    private INDArray bias(boolean present, String name) throws IOException {
        return present ? weights.get(name) : null;
    }
}
