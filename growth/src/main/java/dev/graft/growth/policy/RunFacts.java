package dev.graft.growth.policy;

import dev.graft.growth.arch.ArchSpec;

import java.util.Objects;

/**
 * What a {@link GrowthPolicy} knows about a run when it decides.
 *
 * @param arch the run's current architecture (from its newest checkpoint that states one), or null
 *     when unknown
 * @param growths growths the run has had (automatic and by budget)
 * @param held whether a person paused automatic decisions (HOLD until RELEASE)
 * @param budget the budget in force (the run's own, else the fleet's); {@link Budget#unlimited()}
 */
public record RunFacts(ArchSpec arch, int growths, boolean held, Budget budget) {
    /** Checks the budget is set. */
    public RunFacts {
        Objects.requireNonNull(budget, "budget (use Budget.unlimited())");
    }
}
