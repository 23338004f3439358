package dev.graft.growth.verify;

import dev.graft.growth.model.ModelInput;
import dev.graft.growth.model.ModelOutput;
import dev.graft.growth.model.TransformerModel;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.util.Locale;
import java.util.Objects;

/**
 * How close a shrunk model stays to its source on probes (sentences the calibration never saw). The
 * shrunk model's residual channel {@code j} is the source's channel {@code keptHidden[j]}, so final
 * hidden states are compared on those channels:
 *
 * <ul>
 *   <li>{@code embeddingCosine}: cosine of the mean-pooled final hidden states per sequence (a
 *       sentence embedding, as sentence-transformers pools MiniLM), averaged over sequences;
 *   <li>{@code hiddenRelativeError}: {@code ‖h′ − h[kept]‖ / ‖h[kept]‖} over all tokens;
 *   <li>{@code logits}: {@link Verifier}'s comparison when both models have a head over the same
 *       vocabulary (relative max |Δlogit|), else method {@code none}.
 * </ul>
 *
 * <pre>{@code
 * ShrinkQuality q = ShrinkQuality.measure(source, shrunk, Shrinking.keptHidden(plan), probes);
 * }</pre>
 */
public record ShrinkQuality(
        double embeddingCosine, double hiddenRelativeError, Verification logits) {

    public ShrinkQuality {
        Objects.requireNonNull(logits, "logits");
    }

    /** Runs both models on {@code probes} (no padding) and compares them. */
    public static ShrinkQuality measure(
            TransformerModel source, TransformerModel shrunk, int[] keptHidden, ModelInput probes)
            throws IOException {
        if (keptHidden.length != shrunk.arch().hiddenSize()) {
            throw new IllegalArgumentException(
                    keptHidden.length
                            + " kept channels for a shrunk model of hidden size "
                            + shrunk.arch().hiddenSize());
        }
        float[][][] a;
        float[][][] b;
        try (ModelOutput out = source.forward(probes)) {
            a = hidden(out.hiddenStates());
        }
        try (ModelOutput out = shrunk.forward(probes)) {
            b = hidden(out.hiddenStates());
        }
        double cosines = 0;
        double diff = 0;
        double norm = 0;
        for (int s = 0; s < a.length; s++) {
            double[] pa = new double[keptHidden.length];
            double[] pb = new double[keptHidden.length];
            for (int t = 0; t < a[s].length; t++) {
                for (int j = 0; j < keptHidden.length; j++) {
                    double x = a[s][t][keptHidden[j]];
                    double y = b[s][t][j];
                    pa[j] += x;
                    pb[j] += y;
                    diff += (x - y) * (x - y);
                    norm += x * x;
                }
            }
            cosines += cosine(pa, pb);
        }
        Verification logits = Verifier.verify(source, shrunk, probes, Claim.approximate());
        return new ShrinkQuality(cosines / a.length, Math.sqrt(diff / norm), logits);
    }

    /** The relative max |Δlogit|, or NaN when the logits were not compared. */
    public double relativeLogitDelta() {
        return logits.method() == Verification.Method.LOGITS ? logits.relativeDelta() : Double.NaN;
    }

    /** {@code cos 0.912, hidden err 0.31, logits Δ 0.25}. */
    public String summary() {
        return String.format(
                Locale.ROOT,
                "embedding cos %.4f, hidden rel. error %.4f, relative max |Δlogit| %s",
                embeddingCosine,
                hiddenRelativeError,
                Double.isNaN(relativeLogitDelta())
                        ? "n/a"
                        : String.format(Locale.ROOT, "%.4f", relativeLogitDelta()));
    }

    private static float[][][] hidden(INDArray h) {
        int s = (int) h.size(0);
        int t = (int) h.size(1);
        int d = (int) h.size(2);
        float[] flat = h.dup('c').data().asFloat();
        float[][][] out = new float[s][t][d];
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < t; j++) {
                System.arraycopy(flat, (i * t + j) * d, out[i][j], 0, d);
            }
        }
        return out;
    }

    private static double cosine(double[] x, double[] y) {
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int i = 0; i < x.length; i++) {
            dot += x[i] * y[i];
            nx += x[i] * x[i];
            ny += y[i] * y[i];
        }
        return nx == 0 || ny == 0 ? 0 : dot / Math.sqrt(nx * ny);
    }
}
