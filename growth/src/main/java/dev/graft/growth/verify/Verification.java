package dev.graft.growth.verify;

import java.util.Locale;
import java.util.Objects;

/**
 * How a transformed model was checked against its source: both ran on the same probe inputs.
 * Mirrors the Avro {@code Verification} contract, plus the mean difference.
 *
 * @param method what was compared
 * @param probeSequences probe sequences run through both models
 * @param probeTokens tokens per probe sequence
 * @param computeDtype the dtype both models computed in ({@code F32})
 * @param maxAbsDelta max |source − result| over every probe, position and output
 * @param meanAbsDelta mean |source − result|; NaN when unknown (read back from a contract record,
 *     which does not carry it)
 * @param logitScale max |source output|, the scale {@code maxAbsDelta} is judged against
 * @param relativeDelta {@code maxAbsDelta / logitScale}
 * @param tolerance the relative tolerance a lossless operator promises; null for approximate ones
 * @param lossless whether the operator claims exact function preservation
 * @param passed lossless: {@code relativeDelta ≤ tolerance}; approximate: the comparison ran
 * @param notes what a reader should know (why outputs could not be compared, …)
 */
public record Verification(
        Method method,
        int probeSequences,
        int probeTokens,
        String computeDtype,
        double maxAbsDelta,
        double meanAbsDelta,
        double logitScale,
        double relativeDelta,
        Double tolerance,
        boolean lossless,
        boolean passed,
        String notes) {

    /** What the two models' outputs were compared on. */
    public enum Method {
        /** Logits over the same vocabulary. */
        LOGITS,
        /**
         * Final hidden states of the same width (encoders without a head, differing vocabularies).
         */
        HIDDEN_STATES,
        /** Nothing comparable: the notes say why. */
        NONE;

        /** The contract's name: {@code logits}, {@code hidden_states}, {@code none}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The method with this contract name. */
        public static Method fromWireName(String name) {
            for (Method m : values()) {
                if (m.wireName().equals(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException(
                    "verification method is '"
                            + name
                            + "'; expected logits, hidden_states or none");
        }
    }

    public Verification {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(computeDtype, "computeDtype");
        notes = notes == null ? "" : notes;
    }

    /** A verification that compared nothing, with the reason. */
    public static Verification skipped(
            int probeSequences, int probeTokens, Claim claim, String reason) {
        return new Verification(
                Method.NONE,
                probeSequences,
                probeTokens,
                "F32",
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                claim.tolerance(),
                claim.lossless(),
                false,
                reason);
    }

    /** One line: method, deltas and verdict. */
    public String summary() {
        if (method == Method.NONE) {
            return "not verified: " + notes;
        }
        String verdict =
                lossless
                        ? (passed ? "PASS" : "FAIL")
                                + String.format(
                                        Locale.ROOT,
                                        " (relative Δ %.3g %s tolerance %.3g)",
                                        relativeDelta,
                                        passed ? "≤" : ">",
                                        tolerance)
                        : "approximate (no pass/fail threshold)";
        return String.format(
                Locale.ROOT,
                "%s: max |Δ| %.6g, mean |Δ| %.6g, scale %.6g, relative %.3g over %d × %d tokens; %s",
                method.wireName(),
                maxAbsDelta,
                meanAbsDelta,
                logitScale,
                relativeDelta,
                probeSequences,
                probeTokens,
                verdict);
    }
}
