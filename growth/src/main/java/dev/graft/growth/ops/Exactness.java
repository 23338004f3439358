package dev.graft.growth.ops;

import java.util.Objects;

/**
 * Whether a plan preserves the model's function, and why or why not, in words a person can check.
 *
 * @param exact true when the grown model computes the same logits up to floating-point rounding
 */
public record Exactness(boolean exact, String reason) {

    public Exactness {
        Objects.requireNonNull(reason, "reason");
    }

    public static Exactness exact(String reason) {
        return new Exactness(true, reason);
    }

    public static Exactness approximate(String reason) {
        return new Exactness(false, reason);
    }

    /** {@code exact: …} or {@code approximate: …}. */
    public String describe() {
        return (exact ? "exact: " : "approximate: ") + reason;
    }
}
