package dev.graft.growth.ops;

import java.util.Objects;

/**
 * How one target tensor is computed from one source tensor. Rules are values: a plan lists them,
 * prints them and applies them.
 */
public sealed interface TensorRule permits TensorRule.Copy, TensorRule.Zeros, Remap {

    /** The source tensor unchanged. */
    static TensorRule copy() {
        return new Copy();
    }

    /** All zeros (no source values are read). */
    static TensorRule zeros() {
        return new Zeros();
    }

    /** For plans: the rule in a few words. */
    String describe();

    /** Whether the rule reads its source tensor. */
    default boolean readsSource() {
        return !(this instanceof Zeros);
    }

    /**
     * The target values.
     *
     * @param source the source values (ignored when {@link #readsSource()} is false)
     * @param targetElements number of target elements
     * @param seed the tensor's seed (for rules with randomness)
     * @param moments whether the values are optimizer moments rather than weights
     */
    float[] apply(float[] source, int targetElements, long seed, boolean moments);

    record Copy() implements TensorRule {
        @Override
        public String describe() {
            return "copy";
        }

        @Override
        public float[] apply(float[] source, int targetElements, long seed, boolean moments) {
            Objects.requireNonNull(source, "source");
            if (source.length != targetElements) {
                throw new IllegalArgumentException(
                        "copy of " + source.length + " values into " + targetElements);
            }
            return source;
        }
    }

    record Zeros() implements TensorRule {
        @Override
        public String describe() {
            return "zeros";
        }

        @Override
        public float[] apply(float[] source, int targetElements, long seed, boolean moments) {
            return new float[targetElements];
        }
    }
}
