package dev.graft.growth.ops;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The operators, by the names {@code graft grow --op} and {@code graft shrink --op} take: growth
 * (lemon … unshare) and shrinking (subclone, select, magnitude; {@link #isShrink()}).
 */
public enum GrowthOperator {
    /** LEMON (arXiv 2310.07999): any larger width, up to 2× depth, exact for pre-LN families. */
    LEMON("lemon"),
    /** HyperCloning (arXiv 2409.12903): integer width multiples, exact for all families. */
    HYPERCLONE("hyperclone"),
    /** Copy and pad (arXiv 2104.11390): zeros or small values in new rows/columns; approximate. */
    PAD("pad"),
    /** Insert blocks whose output projections are zero; exact for pre-LN families. */
    IDENTITY_DEPTH("identity-depth"),
    /** Repeat the trained blocks (StackBERT, G_stack arXiv 2405.15319); approximate. */
    STACK("stack"),
    /** Untie layers that share weights (arXiv 2110.03848); exact. */
    UNSHARE("unshare"),
    /**
     * Weight subcloning (arXiv 2312.09299): keep the channels, heads and FFN neurons with the
     * largest activations on calibration tokens, remove middle blocks, rescale by √(d/d′).
     */
    SUBCLONE("subclone"),
    /**
     * Weight selection (arXiv 2311.18823): evenly spaced indices on every axis, the first N layers;
     * no data, no rescale. The baseline subcloning must beat.
     */
    SELECT("select"),
    /**
     * Weight-norm importance: subcloning's keep-the-best and rescale with importance from the
     * weights alone, for when no calibration data is given. Weaker: a large weight is not a large
     * activation.
     */
    MAGNITUDE("magnitude");

    private final String cliName;

    GrowthOperator(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line and in manifests. */
    public String cliName() {
        return cliName;
    }

    /** Whether the operator makes a smaller model ({@code graft shrink}). */
    public boolean isShrink() {
        return this == SUBCLONE || this == SELECT || this == MAGNITUDE;
    }

    /** The operator named {@code name}, or an error listing the names. */
    public static GrowthOperator fromName(String name) {
        for (GrowthOperator o : values()) {
            if (o.cliName.equals(name) || o.name().equalsIgnoreCase(name)) {
                return o;
            }
        }
        throw new IllegalArgumentException(
                "unknown growth operator '" + name + "'; expected one of " + names());
    }

    /** {@code lemon, hyperclone, …}. */
    public static String names() {
        return Arrays.stream(values())
                .map(GrowthOperator::cliName)
                .collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
