package dev.graft.growth.verify;

/**
 * What an operator promises about the function it computes: exact preservation within a relative
 * tolerance, or an approximation whose distance is only measured.
 *
 * <pre>{@code
 * Claim.exact()           // lossless: relative Δ ≤ 1e-4
 * Claim.exact(1e-6)
 * Claim.approximate()     // numbers, no pass/fail threshold
 * }</pre>
 *
 * @param tolerance the relative tolerance of a lossless claim; null for an approximate one
 */
public record Claim(boolean lossless, Double tolerance) {

    /** The relative tolerance of a lossless claim in F32: rounding level. */
    public static final double DEFAULT_TOLERANCE = 1e-4;

    public Claim {
        if (lossless && (tolerance == null || !(tolerance >= 0) || tolerance.isInfinite())) {
            throw new IllegalArgumentException(
                    "tolerance is "
                            + tolerance
                            + "; expected a finite number ≥ 0 for a lossless claim");
        }
        if (!lossless && tolerance != null) {
            throw new IllegalArgumentException(
                    "an approximate claim has no tolerance; found " + tolerance);
        }
    }

    /** Exact preservation within {@link #DEFAULT_TOLERANCE}. */
    public static Claim exact() {
        return new Claim(true, DEFAULT_TOLERANCE);
    }

    /** Exact preservation within {@code relativeTolerance}. */
    public static Claim exact(double relativeTolerance) {
        return new Claim(true, relativeTolerance);
    }

    /** An approximation: measured, never failed on its distance. */
    public static Claim approximate() {
        return new Claim(false, null);
    }
}
