package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.TensorLayout;
import dev.graft.growth.tensor.TensorSource;

import java.io.IOException;

/**
 * Importance from the weights alone, for when no calibration data is given: each channel, head or
 * neuron scores the sum of squares of every weight that reads or writes it (embedding columns,
 * input columns of the projections that read the residual stream, output rows of those that write
 * it; a head's query/key/value rows and output-projection columns, a GQA KV group's key/value rows
 * shared equally among its query heads; a neuron's up/gate rows and down-projection column). Norm
 * gains and biases are left out.
 *
 * <p>The weaker fallback: a large weight is not a large activation. A channel may be large only in
 * the embeddings of rare tokens, a neuron may have large weights and a bias that keeps it switched
 * off; activation importance ({@link ActivationImportance}) sees both, weight norms see neither.
 *
 * <pre>{@code
 * Importance imp = WeightMagnitude.of(arch, source);
 * }</pre>
 */
public final class WeightMagnitude {

    private final ArchSpec a;
    private final TensorSource src;
    private final double[] hidden;
    private final double[][] heads;
    private final double[][] ffn;

    private WeightMagnitude(ArchSpec a, TensorSource src) {
        this.a = a;
        this.src = src;
        this.hidden = new double[a.hiddenSize()];
        this.heads = new double[a.numLayers()][a.numHeads()];
        this.ffn = new double[a.numLayers()][a.intermediateSize()];
    }

    /** The weight-norm importance of the checkpoint {@code source} of architecture {@code arch}. */
    public static Importance of(ArchSpec arch, TensorSource source) throws IOException {
        WeightMagnitude m = new WeightMagnitude(arch, source);
        String p =
                TensorLayout.detectVariant(arch.family(), source.tensorsByName().keySet()).prefix();
        switch (arch.family()) {
            case GPT2 -> m.gpt2(p);
            case LLAMA, MISTRAL, QWEN2 -> m.llama(p);
            case BERT -> m.bert(p);
            case ALBERT ->
                    throw new GrowthPlanException(
                            "albert shares its layers; unshare it first (--op unshare)");
        }
        return new Importance("weight norms (sum of squares)", m.hidden, m.heads, m.ffn, null);
    }

    private void gpt2(String p) throws IOException {
        int d = a.hiddenSize();
        int ff = a.intermediateSize();
        int hd = a.headDim();
        columns(p + "wte.weight", a.vocabSize(), d, hidden);
        columns(p + "wpe.weight", a.maxPositions(), d, hidden);
        if (!a.tieWordEmbeddings()) {
            columns("lm_head.weight", a.vocabSize(), d, hidden);
        }
        for (int l = 0; l < a.numLayers(); l++) {
            String h = p + "h." + l + ".";
            double[] qkvCols = new double[3 * d];
            float[] cAttn = src.readFloats(h + "attn.c_attn.weight");
            rowsInto(cAttn, d, 3 * d, hidden);
            colsInto(cAttn, d, 3 * d, qkvCols);
            for (int c = 0; c < 3 * d; c++) {
                heads[l][(c % d) / hd] += qkvCols[c];
            }
            float[] proj = src.readFloats(h + "attn.c_proj.weight");
            colsInto(proj, d, d, hidden);
            double[] projRows = new double[d];
            rowsInto(proj, d, d, projRows);
            for (int r = 0; r < d; r++) {
                heads[l][r / hd] += projRows[r];
            }
            float[] fc = src.readFloats(h + "mlp.c_fc.weight");
            rowsInto(fc, d, ff, hidden);
            colsInto(fc, d, ff, ffn[l]);
            float[] down = src.readFloats(h + "mlp.c_proj.weight");
            rowsInto(down, ff, d, ffn[l]);
            colsInto(down, ff, d, hidden);
        }
    }

    private void llama(String p) throws IOException {
        int d = a.hiddenSize();
        int ff = a.intermediateSize();
        int hd = a.headDim();
        int q = a.numHeads() * hd;
        int kv = a.numKvHeads() * hd;
        int perKv = a.numHeads() / a.numKvHeads();
        columns(p + "embed_tokens.weight", a.vocabSize(), d, hidden);
        if (!a.tieWordEmbeddings()) {
            columns("lm_head.weight", a.vocabSize(), d, hidden);
        }
        for (int l = 0; l < a.numLayers(); l++) {
            String s = p + "layers." + l + ".";
            double[] qRows = new double[q];
            readLinear(s + "self_attn.q_proj.weight", q, d, qRows, hidden);
            double[] kvRows = new double[kv];
            readLinear(s + "self_attn.k_proj.weight", kv, d, kvRows, hidden);
            readLinear(s + "self_attn.v_proj.weight", kv, d, kvRows, hidden);
            double[] oCols = new double[q];
            readLinear(s + "self_attn.o_proj.weight", d, q, hidden, oCols);
            for (int i = 0; i < q; i++) {
                heads[l][i / hd] += qRows[i] + oCols[i];
            }
            for (int i = 0; i < kv; i++) {
                for (int j = 0; j < perKv; j++) {
                    heads[l][(i / hd) * perKv + j] += kvRows[i] / perKv;
                }
            }
            readLinear(s + "mlp.gate_proj.weight", ff, d, ffn[l], hidden);
            readLinear(s + "mlp.up_proj.weight", ff, d, ffn[l], hidden);
            readLinear(s + "mlp.down_proj.weight", d, ff, hidden, ffn[l]);
        }
    }

    private void bert(String p) throws IOException {
        int d = a.hiddenSize();
        int ff = a.intermediateSize();
        int hd = a.headDim();
        String e = p + "embeddings.";
        columns(e + "word_embeddings.weight", a.vocabSize(), d, hidden);
        columns(e + "position_embeddings.weight", a.maxPositions(), d, hidden);
        columns(e + "token_type_embeddings.weight", a.extraInt("type_vocab_size", 2), d, hidden);
        for (int l = 0; l < a.numLayers(); l++) {
            String s = p + "encoder.layer." + l + ".";
            double[] qkvRows = new double[d];
            for (String proj : new String[] {"query", "key", "value"}) {
                readLinear(s + "attention.self." + proj + ".weight", d, d, qkvRows, hidden);
            }
            double[] oCols = new double[d];
            readLinear(s + "attention.output.dense.weight", d, d, hidden, oCols);
            for (int i = 0; i < d; i++) {
                heads[l][i / hd] += qkvRows[i] + oCols[i];
            }
            readLinear(s + "intermediate.dense.weight", ff, d, ffn[l], hidden);
            readLinear(s + "output.dense.weight", d, ff, hidden, ffn[l]);
        }
    }

    /** An {@code (out, in)} matrix: squares summed per row into {@code rows}, per column too. */
    private void readLinear(String name, int out, int in, double[] rows, double[] cols)
            throws IOException {
        float[] w = src.readFloats(name);
        rowsInto(w, out, in, rows);
        colsInto(w, out, in, cols);
    }

    private void columns(String name, int rows, int cols, double[] into) throws IOException {
        colsInto(src.readFloats(name), rows, cols, into);
    }

    private static void rowsInto(float[] w, int rows, int cols, double[] into) {
        for (int r = 0; r < rows; r++) {
            double acc = 0;
            for (int c = 0; c < cols; c++) {
                double v = w[r * cols + c];
                acc += v * v;
            }
            into[r] += acc;
        }
    }

    private static void colsInto(float[] w, int rows, int cols, double[] into) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double v = w[r * cols + c];
                into[c] += v * v;
            }
        }
    }
}
