package dev.graft.connectors.hf;

import dev.graft.growth.verify.Verification;

/**
 * The domain {@link Verification} ⇄ the Avro contract {@link dev.graft.schema.Verification} that
 * travels in manifests and on Kafka. The contract has no mean difference: it is written into the
 * notes by the verifier and read back as NaN.
 */
public final class Verifications {

    private Verifications() {}

    /** The contract form. NaN deltas (a skipped verification) are written as 0 in the contract. */
    public static dev.graft.schema.Verification toAvro(Verification v) {
        return dev.graft.schema.Verification.newBuilder()
                .setMethod(v.method().wireName())
                .setProbeSequences(v.probeSequences())
                .setProbeTokens(v.probeTokens())
                .setComputeDtype(v.computeDtype())
                .setMaxAbsDelta(nanToZero(v.maxAbsDelta()))
                .setLogitScale(nanToZero(v.logitScale()))
                .setRelativeDelta(nanToZero(v.relativeDelta()))
                .setTolerance(v.tolerance())
                .setLossless(v.lossless())
                .setPassed(v.passed())
                .setNotes(v.notes())
                .build();
    }

    /**
     * The domain form of a contract record (mean difference unknown: NaN).
     *
     * @throws IllegalArgumentException for a method Graft does not know
     */
    public static Verification fromAvro(dev.graft.schema.Verification v) {
        Verification.Method method = Verification.Method.fromWireName(v.getMethod());
        boolean skipped = method == Verification.Method.NONE;
        return new Verification(
                method,
                v.getProbeSequences(),
                v.getProbeTokens(),
                v.getComputeDtype(),
                skipped ? Double.NaN : v.getMaxAbsDelta(),
                Double.NaN,
                skipped ? Double.NaN : v.getLogitScale(),
                skipped ? Double.NaN : v.getRelativeDelta(),
                v.getTolerance(),
                v.getLossless(),
                v.getPassed(),
                v.getNotes());
    }

    // Infinite deltas (NaN outputs) are kept: Avro doubles carry them; only NaN of a skipped
    // check, which means "not measured", becomes 0.
    private static double nanToZero(double d) {
        return Double.isNaN(d) ? 0 : d;
    }
}
