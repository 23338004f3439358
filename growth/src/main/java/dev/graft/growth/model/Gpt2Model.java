package dev.graft.growth.model;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.TensorLayout;
import dev.graft.growth.tensor.TensorSource;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;

/**
 * GPT-2 ({@code modeling_gpt2.py} {@code GPT2Model}, {@code GPT2Block}, {@code GPT2Attention},
 * {@code GPT2MLP}): learned positions, pre-LN blocks, Conv1D weights {@code (in, out)}, fused
 * {@code c_attn} split into contiguous query, key and value thirds, causal attention scaled by
 * {@code 1/√head_dim} (and {@code 1/(layer+1)} with {@code scale_attn_by_inverse_layer_idx}), final
 * {@code ln_f}, head tied to {@code wte} unless {@code tie_word_embeddings} is false.
 */
final class Gpt2Model extends AbstractModel {

    private final String p;
    private final Activation activation;
    private final boolean scaleByLayer;
    private final String headName;

    Gpt2Model(ArchSpec arch, TensorSource tensors) {
        super(arch, tensors);
        this.p = TensorLayout.detectVariant(Family.GPT2, tensors.tensorsByName().keySet()).prefix();
        this.activation = Activation.fromHfName(arch.activation());
        this.scaleByLayer = arch.extraFlag("scale_attn_by_inverse_layer_idx");
        long d = arch.hiddenSize();
        long ff = arch.intermediateSize();
        long vocab = arch.vocabSize();
        weights.require(p + "wte.weight", vocab, d)
                .require(p + "wpe.weight", arch.maxPositions(), d);
        for (int i = 0; i < arch.numLayers(); i++) {
            String h = p + "h." + i + ".";
            weights.require(h + "ln_1.weight", d)
                    .require(h + "ln_1.bias", d)
                    .require(h + "attn.c_attn.weight", d, 3 * d)
                    .require(h + "attn.c_attn.bias", 3 * d)
                    .require(h + "attn.c_proj.weight", d, d)
                    .require(h + "attn.c_proj.bias", d)
                    .require(h + "ln_2.weight", d)
                    .require(h + "ln_2.bias", d)
                    .require(h + "mlp.c_fc.weight", d, ff)
                    .require(h + "mlp.c_fc.bias", ff)
                    .require(h + "mlp.c_proj.weight", ff, d)
                    .require(h + "mlp.c_proj.bias", d);
        }
        weights.require(p + "ln_f.weight", d).require(p + "ln_f.bias", d);
        this.headName = arch.tieWordEmbeddings() ? p + "wte.weight" : "lm_head.weight";
        weights.require(headName, vocab, d);
        weights.check("gpt2");
    }

    @Override
    public boolean hasHead() {
        return true;
    }

    @Override
    INDArray[] compute(ModelInput in, ActivationTap tap) throws IOException {
        int batch = in.batchSize();
        int tokens = in.sequenceLength();
        int d = arch.hiddenSize();
        int heads = arch.numHeads();
        int hd = arch.headDim();
        double eps = arch.normEps();
        INDArray h =
                matrix(
                        embed(
                                in,
                                weights.floats(p + "wte.weight"),
                                d,
                                weights.floats(p + "wpe.weight")),
                        (long) batch * tokens,
                        d);
        tap.embeddings(h);
        INDArray[] masks = scoreMasks(in, true);
        for (int i = 0; i < arch.numLayers(); i++) {
            String l = p + "h." + i + ".";
            tap.blockInput(i, h);
            INDArray a =
                    Nn.layerNorm(
                            h, weights.get(l + "ln_1.weight"), weights.get(l + "ln_1.bias"), eps);
            INDArray qkv =
                    Nn.conv1d(
                            a,
                            weights.get(l + "attn.c_attn.weight"),
                            weights.get(l + "attn.c_attn.bias"));
            // c_attn(x).split(split_size, dim=2), copied: in ND4J 1.0.0-M2.1, slicing a head
            // out of a column view of qkv gave an empty (rank-0) array.
            INDArray q = qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).dup('c');
            INDArray k = qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2L * d)).dup('c');
            INDArray v =
                    qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(2L * d, 3L * d)).dup('c');
            double scale = 1.0 / Math.sqrt(hd) / (scaleByLayer ? i + 1 : 1);
            INDArray o = attention(q, k, v, batch, tokens, heads, heads, hd, scale, masks);
            tap.attentionHeads(i, o);
            INDArray written =
                    Nn.conv1d(
                            o,
                            weights.get(l + "attn.c_proj.weight"),
                            weights.get(l + "attn.c_proj.bias"));
            tap.attentionOutput(i, written);
            h.addi(written);
            INDArray m =
                    Nn.layerNorm(
                            h, weights.get(l + "ln_2.weight"), weights.get(l + "ln_2.bias"), eps);
            m =
                    activation.applyInPlace(
                            Nn.conv1d(
                                    m,
                                    weights.get(l + "mlp.c_fc.weight"),
                                    weights.get(l + "mlp.c_fc.bias")));
            tap.ffnHidden(i, m);
            written =
                    Nn.conv1d(
                            m,
                            weights.get(l + "mlp.c_proj.weight"),
                            weights.get(l + "mlp.c_proj.bias"));
            tap.ffnOutput(i, written);
            h.addi(written);
            tap.blockOutput(i, h);
            weights.release();
        }
        h = Nn.layerNorm(h, weights.get(p + "ln_f.weight"), weights.get(p + "ln_f.bias"), eps);
        INDArray logits = Nn.linear(h, weights.get(headName), null);
        return new INDArray[] {h, logits};
    }
}
