package dev.graft.growth.ops;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The growth operators, by the names {@code graft grow --op} takes. */
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
    UNSHARE("unshare");

    private final String cliName;

    GrowthOperator(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line and in manifests. */
    public String cliName() {
        return cliName;
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
