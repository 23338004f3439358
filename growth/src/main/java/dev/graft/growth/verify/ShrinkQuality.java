package dev.graft.growth.verify;

import dev.graft.growth.model.ModelInput;
import dev.graft.growth.model.ModelOutput;
import dev.graft.growth.model.TransformerModel;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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

    /** Runs both models on {@code probes} (one batch, no padding) and compares them. */
    public static ShrinkQuality measure(
            TransformerModel source, TransformerModel shrunk, int[] keptHidden, ModelInput probes)
            throws IOException {
        return measure(source, shrunk, keptHidden, List.of(probes));
    }

    /**
     * Runs both models on every sequence of {@code probes}, of any lengths (sequences of one length
     * run as one batch, so no padding is involved), and compares them: the cosine is averaged over
     * sequences, the hidden error and the relative |Δlogit| are taken over all of them together.
     */
    public static ShrinkQuality measureSequences(
            TransformerModel source, TransformerModel shrunk, int[] keptHidden, List<int[]> probes)
            throws IOException {
        return Reference.of(source, probes).compare(shrunk, keptHidden);
    }

    private static ShrinkQuality measure(
            TransformerModel source,
            TransformerModel shrunk,
            int[] keptHidden,
            List<ModelInput> batches)
            throws IOException {
        return new Reference(source, batches).compare(shrunk, keptHidden);
    }

    /**
     * The source model's final hidden states on the probes, computed once and compared with any
     * number of shrunk models (several operators, sizes, a random baseline). Holds the source
     * model, which the caller keeps open while comparing.
     *
     * <pre>{@code
     * ShrinkQuality.Reference ref = ShrinkQuality.Reference.of(source, probes);
     * ShrinkQuality a = ref.compare(subcloned, Shrinking.keptHidden(planA));
     * ShrinkQuality b = ref.compare(selected, Shrinking.keptHidden(planB));
     * }</pre>
     */
    public static final class Reference {
        private final TransformerModel source;
        private final List<ModelInput> batches;
        private final List<float[][][]> hidden = new ArrayList<>();

        private Reference(TransformerModel source, List<ModelInput> batches) throws IOException {
            if (batches.isEmpty()) {
                throw new IllegalArgumentException("no probe sequences to compare the models on");
            }
            this.source = Objects.requireNonNull(source, "source");
            this.batches = List.copyOf(batches);
            for (ModelInput probes : this.batches) {
                try (ModelOutput out = source.forward(probes)) {
                    hidden.add(hidden(out.hiddenStates()));
                }
            }
        }

        /** Runs {@code source} on {@code probes}, sequences of one length as one batch. */
        public static Reference of(TransformerModel source, List<int[]> probes) throws IOException {
            // sequences of one length run together: a batch without padding
            java.util.Map<Integer, List<int[]>> byLength = new java.util.TreeMap<>();
            for (int[] p : probes) {
                byLength.computeIfAbsent(p.length, k -> new ArrayList<>()).add(p);
            }
            List<ModelInput> batches = new ArrayList<>();
            for (List<int[]> same : byLength.values()) {
                batches.add(ModelInput.of(same.toArray(new int[0][])));
            }
            return new Reference(source, batches);
        }

        /** Runs {@code shrunk} on the probes and compares it on channels {@code keptHidden}. */
        public ShrinkQuality compare(TransformerModel shrunk, int[] keptHidden) throws IOException {
            if (keptHidden.length != shrunk.arch().hiddenSize()) {
                throw new IllegalArgumentException(
                        keptHidden.length
                                + " kept channels for a shrunk model of hidden size "
                                + shrunk.arch().hiddenSize());
            }
            double cosines = 0;
            int sequences = 0;
            double diff = 0;
            double norm = 0;
            List<Verification> logits = new ArrayList<>();
            for (int i = 0; i < batches.size(); i++) {
                ModelInput probes = batches.get(i);
                float[][][] a = hidden.get(i);
                float[][][] b;
                try (ModelOutput out = shrunk.forward(probes)) {
                    b = hidden(out.hiddenStates());
                }
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
                    sequences++;
                }
                logits.add(Verifier.verify(source, shrunk, probes, Claim.approximate()));
            }
            return new ShrinkQuality(cosines / sequences, Math.sqrt(diff / norm), combine(logits));
        }
    }

    /** One verification over all batches: max |Δ| and the scale over all, means weighted. */
    private static Verification combine(List<Verification> parts) {
        Verification first = parts.get(0);
        if (parts.size() == 1) {
            return first;
        }
        if (first.method() == Verification.Method.NONE) {
            // nothing compared, but the probes were all of them
            return new Verification(
                    first.method(),
                    parts.stream().mapToInt(Verification::probeSequences).sum(),
                    parts.stream().mapToInt(Verification::probeTokens).max().orElse(0),
                    first.computeDtype(),
                    first.maxAbsDelta(),
                    first.meanAbsDelta(),
                    first.logitScale(),
                    first.relativeDelta(),
                    first.tolerance(),
                    first.lossless(),
                    first.passed(),
                    first.notes());
        }
        int sequences = 0;
        int tokens = 0;
        double maxAbs = 0;
        double meanAbs = 0;
        double scale = 0;
        long weight = 0;
        boolean passed = true;
        for (Verification v : parts) {
            sequences += v.probeSequences();
            tokens = Math.max(tokens, v.probeTokens());
            maxAbs = Math.max(maxAbs, v.maxAbsDelta());
            scale = Math.max(scale, v.logitScale());
            long w = (long) v.probeSequences() * v.probeTokens();
            meanAbs += v.meanAbsDelta() * w;
            weight += w;
            passed &= v.passed();
        }
        return new Verification(
                first.method(),
                sequences,
                tokens,
                first.computeDtype(),
                maxAbs,
                meanAbs / weight,
                scale,
                maxAbs == 0 ? 0 : maxAbs / scale,
                first.tolerance(),
                first.lossless(),
                passed,
                first.notes()
                        .replaceFirst(
                                "mean \\|Δ\\| \\S+$",
                                String.format(Locale.ROOT, "mean |Δ| %.6g", meanAbs / weight)));
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
