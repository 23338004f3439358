package dev.graft.growth.policy;

import java.util.Objects;

/**
 * Caps on one run's model (or on every run of a fleet), as a BudgetChange sets them. A null cap is
 * no cap.
 *
 * <pre>{@code
 * Budget b = new Budget("b-7", 350_000_000L, null, null, Budget.GrowWhen.AT_NEXT_PLATEAU);
 * b.allows(Footprint.of(arch));
 * }</pre>
 *
 * @param budgetId the id of the change that set it (decision ids derive from it)
 * @param maxParameters cap on parameters, or null
 * @param maxMemoryBytes cap on training memory ({@link Footprint#memoryBytes()}), or null
 * @param maxFlopsPerToken cap on training FLOPs per token, or null
 * @param growWhen what more room leads to
 */
public record Budget(
        String budgetId,
        Long maxParameters,
        Long maxMemoryBytes,
        Double maxFlopsPerToken,
        GrowWhen growWhen)
        implements java.io.Serializable {

    /** What a budget with room for a larger model leads to. */
    public enum GrowWhen {
        /** Grow at the run's next plateau (the default). */
        AT_NEXT_PLATEAU,
        /** Grow at once, to the largest ladder size that fits. */
        NOW,
        /** Never grow under this budget (shrinking still applies). */
        NEVER
    }

    /** Checks the caps. */
    public Budget {
        Objects.requireNonNull(budgetId, "budgetId");
        Objects.requireNonNull(growWhen, "growWhen");
        if ((maxParameters != null && maxParameters <= 0)
                || (maxMemoryBytes != null && maxMemoryBytes <= 0)
                || (maxFlopsPerToken != null && !(maxFlopsPerToken > 0))) {
            throw new IllegalArgumentException(
                    "budget "
                            + budgetId
                            + " caps must be positive or absent, found max_parameters "
                            + maxParameters
                            + ", max_memory_bytes "
                            + maxMemoryBytes
                            + ", max_flops_per_token "
                            + maxFlopsPerToken);
        }
    }

    /** No caps at all. */
    public static Budget unlimited() {
        return new Budget("none", null, null, null, GrowWhen.AT_NEXT_PLATEAU);
    }

    /** Whether any cap is set. */
    public boolean hasCaps() {
        return maxParameters != null || maxMemoryBytes != null || maxFlopsPerToken != null;
    }

    /** Whether {@code footprint} is within every cap. */
    public boolean allows(Footprint footprint) {
        return (maxParameters == null || footprint.parameters() <= maxParameters)
                && (maxMemoryBytes == null || footprint.memoryBytes() <= maxMemoryBytes)
                && (maxFlopsPerToken == null || footprint.flopsPerToken() <= maxFlopsPerToken);
    }

    /** The caps in words, for evidence. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        if (maxParameters != null) {
            s.append("max_parameters ").append(maxParameters);
        }
        if (maxMemoryBytes != null) {
            s.append(s.isEmpty() ? "" : ", ").append("max_memory_bytes ").append(maxMemoryBytes);
        }
        if (maxFlopsPerToken != null) {
            s.append(s.isEmpty() ? "" : ", ")
                    .append("max_flops_per_token ")
                    .append(maxFlopsPerToken);
        }
        return s.isEmpty() ? "no caps" : s.toString();
    }
}
