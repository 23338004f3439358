package dev.graft.growth.verify;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.model.ModelInput;
import dev.graft.growth.model.ModelOutput;
import dev.graft.growth.model.TransformerModel;

import java.io.IOException;
import java.util.Locale;

/**
 * Runs a source model and its transformed result on the same probes and measures how far the
 * outputs moved.
 *
 * <pre>{@code
 * Verification v = Verifier.verify(source, grown, Probes.random(0, 4, 32, vocab), Claim.exact());
 * if (!v.passed()) throw new IllegalStateException(v.summary());
 * }</pre>
 *
 * <p>What is compared: logits when both models have a head over the same vocabulary; otherwise
 * final hidden states when both have the same width; otherwise nothing (method {@code none}, not
 * passed, the notes say why).
 */
public final class Verifier {

    private Verifier() {}

    /**
     * Compares {@code source} and {@code result} on {@code probes}.
     *
     * @throws IllegalArgumentException when a probe token is outside either vocabulary or a probe
     *     is longer than either model's learned positions
     */
    public static Verification verify(
            TransformerModel source, TransformerModel result, ModelInput probes, Claim claim)
            throws IOException {
        ArchSpec a = source.arch();
        ArchSpec b = result.arch();
        int sequences = probes.batchSize();
        int tokens = probes.sequenceLength();
        Verification.Method method;
        String notes;
        if (source.hasHead() && result.hasHead() && a.vocabSize() == b.vocabSize()) {
            method = Verification.Method.LOGITS;
            notes = "";
        } else if (a.hiddenSize() == b.hiddenSize()) {
            method = Verification.Method.HIDDEN_STATES;
            notes = "compared final hidden states: " + whyNotLogits(source, result);
        } else {
            return Verification.skipped(
                    sequences,
                    tokens,
                    claim,
                    "nothing comparable: "
                            + whyNotLogits(source, result)
                            + ", and the hidden sizes differ ("
                            + a.hiddenSize()
                            + " vs "
                            + b.hiddenSize()
                            + ")");
        }
        float[] expected;
        float[] actual;
        try (ModelOutput out = source.forward(probes)) {
            expected = values(out, method);
        }
        try (ModelOutput out = result.forward(probes)) {
            actual = values(out, method);
        }
        if (expected.length != actual.length) {
            throw new IllegalStateException(
                    "outputs have " + expected.length + " and " + actual.length + " values");
        }
        double max = 0;
        double sum = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            double delta = Math.abs((double) expected[i] - actual[i]);
            if (Double.isNaN(delta)) {
                delta = Double.POSITIVE_INFINITY;
            }
            max = Math.max(max, delta);
            sum += delta;
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        double mean = sum / expected.length;
        double relative = max == 0 ? 0 : max / scale;
        boolean passed = claim.lossless() ? relative <= claim.tolerance() : Double.isFinite(max);
        String meanNote = String.format(Locale.ROOT, "mean |Δ| %.6g", mean);
        return new Verification(
                method,
                sequences,
                tokens,
                "F32",
                max,
                mean,
                scale,
                relative,
                claim.tolerance(),
                claim.lossless(),
                passed,
                notes.isEmpty() ? meanNote : notes + "; " + meanNote);
    }

    private static float[] values(ModelOutput out, Verification.Method method) {
        return method == Verification.Method.LOGITS
                ? out.logitsAsFloats()
                : out.hiddenStatesAsFloats();
    }

    private static String whyNotLogits(TransformerModel source, TransformerModel result) {
        if (!source.hasHead() || !result.hasHead()) {
            String which =
                    !source.hasHead() && !result.hasHead()
                            ? "neither model has"
                            : (!source.hasHead() ? "the source has" : "the result has") + " no";
            return which.startsWith("neither") ? which + " a head" : which + " head";
        }
        return "the vocabularies differ ("
                + source.arch().vocabSize()
                + " vs "
                + result.arch().vocabSize()
                + ")";
    }
}
