package dev.graft.growth.model;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.LayoutVariant;
import dev.graft.growth.arch.TensorLayout;
import dev.graft.growth.tensor.TensorSource;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;

/**
 * BERT and ALBERT, the post-LN encoders.
 *
 * <p><b>bert</b> ({@code modeling_bert.py}): {@code BertEmbeddings} (word + token type + absolute
 * position, LayerNorm); per layer {@code BertSelfAttention} (scores {@code /√head_dim} plus the
 * padding mask), {@code BertSelfOutput} {@code LN(dense(context) + input)}, {@code
 * BertIntermediate} {@code act(dense)}, {@code BertOutput} {@code LN(dense + attention_output)};
 * with {@code cls.predictions}, {@code BertLMPredictionHead}: dense, act, LayerNorm, decoder tied
 * to the word embeddings plus {@code cls.predictions.bias}.
 *
 * <p><b>albert</b> ({@code modeling_albert.py}): {@code AlbertEmbeddings} at {@code
 * embedding_size}, projected by {@code embedding_hidden_mapping_in}; layer {@code i} runs group
 * {@code ⌊i / (num_layers / num_layer_groups)⌋} ({@code AlbertTransformer}), each group {@code
 * inner_group_num} {@code AlbertLayer}s: {@code LN(h + dense(attention))}, then {@code
 * full_layer_layer_norm(ffn_output(act(ffn(a))) + a)}; with {@code predictions}, {@code
 * AlbertMLMHead}: dense to {@code embedding_size}, act, LayerNorm, tied decoder plus bias.
 */
final class EncoderModel extends AbstractModel {

    /** The tensor names of one encoder layer. */
    private record LayerNames(
            String query,
            String key,
            String value,
            String attentionOut,
            String attentionNorm,
            String ffnIn,
            String ffnOut,
            String outputNorm) {}

    private final boolean albert;
    private final String p;
    private final String w;
    private final String b;
    private final Activation activation;
    private final int embeddingSize;
    private final int innerGroups;
    private final boolean mlm;
    private final String decoderName;
    private final String decoderBias;
    private final String headDense;
    private final String headNorm;

    EncoderModel(ArchSpec arch, TensorSource tensors) {
        super(arch, tensors);
        this.albert = arch.family() == Family.ALBERT;
        String positions = arch.extra("position_embedding_type", "absolute");
        if (!positions.equals("absolute")) {
            throw new IllegalArgumentException(
                    "position_embedding_type '"
                            + positions
                            + "' is not implemented by the reference forward pass; only absolute"
                            + " is");
        }
        LayoutVariant variant =
                TensorLayout.detectVariant(arch.family(), tensors.tensorsByName().keySet());
        this.p = variant.prefix();
        this.w = variant.legacyNormNames() ? "gamma" : "weight";
        this.b = variant.legacyNormNames() ? "beta" : "bias";
        this.activation = Activation.fromHfName(arch.activation());
        this.embeddingSize = albert ? arch.extraInt("embedding_size", 128) : arch.hiddenSize();
        this.innerGroups = albert ? arch.extraInt("inner_group_num", 1) : 1;
        this.mlm = variant.mlmHead();
        long d = arch.hiddenSize();
        long e = embeddingSize;
        long ff = arch.intermediateSize();
        long vocab = arch.vocabSize();
        String emb = p + "embeddings.";
        weights.require(emb + "word_embeddings.weight", vocab, e)
                .require(emb + "position_embeddings.weight", arch.maxPositions(), e)
                .require(emb + "token_type_embeddings.weight", typeVocabSize(), e)
                .require(emb + "LayerNorm." + w, e)
                .require(emb + "LayerNorm." + b, e);
        if (albert) {
            linear(p + "encoder.embedding_hidden_mapping_in", d, e);
        }
        int distinct = albert ? arch.numLayerGroups() * innerGroups : arch.numLayers();
        for (int i = 0; i < distinct; i++) {
            LayerNames n = albert ? albertLayer(i / innerGroups, i % innerGroups) : bertLayer(i);
            linear(n.query, d, d);
            linear(n.key, d, d);
            linear(n.value, d, d);
            linear(n.attentionOut, d, d);
            norm(n.attentionNorm, d);
            linear(n.ffnIn, ff, d);
            linear(n.ffnOut, d, ff);
            norm(n.outputNorm, d);
        }
        if (mlm) {
            String c = albert ? "predictions." : "cls.predictions.";
            this.headDense = albert ? c + "dense" : c + "transform.dense";
            this.headNorm = albert ? c + "LayerNorm" : c + "transform.LayerNorm";
            this.decoderName =
                    arch.tieWordEmbeddings()
                            ? emb + "word_embeddings.weight"
                            : c + "decoder.weight";
            this.decoderBias = c + "bias";
            linear(headDense, e, d);
            norm(headNorm, e);
            weights.require(decoderName, vocab, e).require(decoderBias, vocab);
        } else {
            this.headDense = null;
            this.headNorm = null;
            this.decoderName = null;
            this.decoderBias = null;
        }
        weights.check(arch.family().modelType());
    }

    @Override
    public boolean hasHead() {
        return mlm;
    }

    @Override
    int typeVocabSize() {
        return arch.extraInt("type_vocab_size", 2);
    }

    @Override
    INDArray[] compute(ModelInput in, ActivationTap tap) throws IOException {
        int batch = in.batchSize();
        int tokens = in.sequenceLength();
        long rows = (long) batch * tokens;
        int e = embeddingSize;
        double eps = arch.normEps();
        String emb = p + "embeddings.";
        float[] x =
                embed(
                        in,
                        weights.floats(emb + "word_embeddings.weight"),
                        e,
                        weights.floats(emb + "position_embeddings.weight"));
        float[] types = weights.floats(emb + "token_type_embeddings.weight");
        for (int s = 0; s < batch; s++) {
            for (int t = 0; t < tokens; t++) {
                int row = (s * tokens + t) * e;
                int type = in.tokenType(s, t) * e;
                for (int i = 0; i < e; i++) {
                    x[row + i] += types[type + i];
                }
            }
        }
        INDArray h =
                Nn.layerNorm(
                        matrix(x, rows, e),
                        weights.get(emb + "LayerNorm." + w),
                        weights.get(emb + "LayerNorm." + b),
                        eps);
        if (albert) {
            String m = p + "encoder.embedding_hidden_mapping_in";
            h = Nn.linear(h, weights.get(m + ".weight"), weights.get(m + ".bias"));
        }
        weights.release();
        tap.embeddings(h);
        INDArray[] masks = scoreMasks(in, false);
        int layers = arch.numLayers();
        for (int i = 0; i < layers; i++) {
            if (albert) {
                // AlbertTransformer.forward: group_idx = int(i / (num_hidden_layers /
                // num_hidden_groups))
                int group = (int) (i / ((double) layers / arch.numLayerGroups()));
                for (int j = 0; j < innerGroups; j++) {
                    h = layer(i, h, albertLayer(group, j), batch, tokens, masks, tap);
                }
            } else {
                h = layer(i, h, bertLayer(i), batch, tokens, masks, tap);
            }
        }
        if (!mlm) {
            return new INDArray[] {h, null};
        }
        INDArray t =
                activation.applyInPlace(
                        Nn.linear(
                                h,
                                weights.get(headDense + ".weight"),
                                weights.get(headDense + ".bias")));
        t = Nn.layerNorm(t, weights.get(headNorm + "." + w), weights.get(headNorm + "." + b), eps);
        INDArray logits = Nn.linear(t, weights.get(decoderName), weights.get(decoderBias));
        return new INDArray[] {h, logits};
    }

    private INDArray layer(
            int index,
            INDArray h,
            LayerNames n,
            int batch,
            int tokens,
            INDArray[] masks,
            ActivationTap tap)
            throws IOException {
        double eps = arch.normEps();
        tap.blockInput(index, h);
        INDArray q = Nn.linear(h, weights.get(n.query + ".weight"), weights.get(n.query + ".bias"));
        INDArray k = Nn.linear(h, weights.get(n.key + ".weight"), weights.get(n.key + ".bias"));
        INDArray v = Nn.linear(h, weights.get(n.value + ".weight"), weights.get(n.value + ".bias"));
        int heads = arch.numHeads();
        INDArray context =
                attention(
                        q,
                        k,
                        v,
                        batch,
                        tokens,
                        heads,
                        heads,
                        arch.headDim(),
                        1.0 / Math.sqrt(arch.headDim()),
                        masks);
        tap.attentionHeads(index, context);
        INDArray a =
                Nn.linear(
                        context,
                        weights.get(n.attentionOut + ".weight"),
                        weights.get(n.attentionOut + ".bias"));
        tap.attentionOutput(index, a);
        a.addi(h);
        a =
                Nn.layerNorm(
                        a,
                        weights.get(n.attentionNorm + "." + w),
                        weights.get(n.attentionNorm + "." + b),
                        eps);
        tap.attentionNormOutput(index, a);
        INDArray f =
                activation.applyInPlace(
                        Nn.linear(
                                a,
                                weights.get(n.ffnIn + ".weight"),
                                weights.get(n.ffnIn + ".bias")));
        tap.ffnHidden(index, f);
        f = Nn.linear(f, weights.get(n.ffnOut + ".weight"), weights.get(n.ffnOut + ".bias"));
        tap.ffnOutput(index, f);
        f.addi(a);
        INDArray out =
                Nn.layerNorm(
                        f,
                        weights.get(n.outputNorm + "." + w),
                        weights.get(n.outputNorm + "." + b),
                        eps);
        tap.blockOutput(index, out);
        weights.release();
        return out;
    }

    private LayerNames bertLayer(int i) {
        String l = p + "encoder.layer." + i + ".";
        return new LayerNames(
                l + "attention.self.query",
                l + "attention.self.key",
                l + "attention.self.value",
                l + "attention.output.dense",
                l + "attention.output.LayerNorm",
                l + "intermediate.dense",
                l + "output.dense",
                l + "output.LayerNorm");
    }

    private LayerNames albertLayer(int group, int inner) {
        String l = p + "encoder.albert_layer_groups." + group + ".albert_layers." + inner + ".";
        return new LayerNames(
                l + "attention.query",
                l + "attention.key",
                l + "attention.value",
                l + "attention.dense",
                l + "attention.LayerNorm",
                l + "ffn",
                l + "ffn_output",
                l + "full_layer_layer_norm");
    }

    private void linear(String name, long out, long in) {
        weights.require(name + ".weight", out, in).require(name + ".bias", out);
    }

    private void norm(String name, long d) {
        weights.require(name + "." + w, d).require(name + "." + b, d);
    }
}
