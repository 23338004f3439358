package dev.graft.growth.policy;

import dev.graft.growth.arch.ArchSpec;

import java.util.Map;
import java.util.Objects;

/**
 * What a {@link GrowthPolicy} answers: act, hold (nothing to do now, with the reason), or reject a
 * request that cannot be carried out (a person's command, with the reason).
 */
public sealed interface PolicyOutcome {

    /** The reason, in words. */
    String reason();

    /**
     * Change the model.
     *
     * @param change grow, shrink or unshare
     * @param operator the operator's name (lemon, hyperclone, subclone, unshare, …)
     * @param options operator options (width_factor, depth_factor, …)
     * @param sourceArch the architecture before, or null when unknown
     * @param targetArch the architecture after, or null when the transform derives it from the
     *     source and the options
     * @param reason why, in words
     */
    record Act(
            SizeChange change,
            String operator,
            Map<String, String> options,
            ArchSpec sourceArch,
            ArchSpec targetArch,
            String reason)
            implements PolicyOutcome {
        /** Copies the options. */
        public Act {
            Objects.requireNonNull(change, "change");
            Objects.requireNonNull(operator, "operator");
            Objects.requireNonNull(reason, "reason");
            options = Map.copyOf(options);
        }
    }

    /**
     * Do nothing now.
     *
     * @param code a stable code (HELD, MAX_GROWTHS, BUDGET, TOP_OF_LADDER, ARCH_UNKNOWN,
     *     WITHIN_BUDGET)
     * @param reason why, in words
     */
    record Hold(String code, String reason) implements PolicyOutcome {}

    /**
     * The request cannot be carried out.
     *
     * @param code a stable code (INVALID_COMMAND, BUDGET_EXCEEDED)
     * @param reason what was expected, what was found, what to do
     */
    record Reject(String code, String reason) implements PolicyOutcome {}
}
