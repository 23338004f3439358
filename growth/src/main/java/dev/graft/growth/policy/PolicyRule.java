package dev.graft.growth.policy;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The settings of a {@link GrowthPolicy}.
 *
 * <pre>{@code
 * PolicyRule rule = new PolicyRule(GrowthLadder.byFactors(2, 2, null), "auto", Map.of(), 3);
 * }</pre>
 *
 * @param ladder the sizes a run may take
 * @param growOperator {@code auto} (exact operators: {@code hyperclone} for an integer width factor
 *     without depth growth, {@code lemon} otherwise) or an operator's name
 * @param growOptions extra operator options added to every growth decision
 * @param maxGrowths growths (automatic or by budget) a run may get in its life, {@code >= 0}
 */
public record PolicyRule(
        GrowthLadder ladder, String growOperator, Map<String, String> growOptions, int maxGrowths)
        implements java.io.Serializable {

    /** Operators that grow a model. */
    public static final Set<String> GROW_OPERATORS =
            Set.of("auto", "lemon", "hyperclone", "pad", "identity-depth", "stack");

    /** Operators a command may name. */
    public static final Set<String> COMMAND_OPERATORS =
            Set.of(
                    "lemon",
                    "hyperclone",
                    "pad",
                    "identity-depth",
                    "stack",
                    "unshare",
                    "subclone",
                    "select",
                    "magnitude");

    /** Validates the settings. */
    public PolicyRule {
        Objects.requireNonNull(ladder, "ladder");
        growOptions = Map.copyOf(growOptions);
        if (!GROW_OPERATORS.contains(growOperator)) {
            throw new IllegalArgumentException(
                    "grow operator must be one of "
                            + GROW_OPERATORS.stream().sorted().toList()
                            + ", found '"
                            + growOperator
                            + "'");
        }
        if (maxGrowths < 0) {
            throw new IllegalArgumentException("max growths must be >= 0, found " + maxGrowths);
        }
    }

    /** LEMON-style doubling, automatic operator, at most {@code maxGrowths} growths. */
    public static PolicyRule doubling(int maxGrowths) {
        return new PolicyRule(GrowthLadder.byFactors(2, 2, null), "auto", Map.of(), maxGrowths);
    }
}
