package dev.graft.growth.ops;

import java.util.Objects;

/**
 * How one target tensor is computed from one source tensor. Rules are values: a plan lists them,
 * prints them and applies them.
 */
public sealed interface TensorRule
        permits TensorRule.Copy, TensorRule.Zeros, TensorRule.ScaledLeading, Remap {

    /** The source tensor unchanged. */
    static TensorRule copy() {
        return new Copy();
    }

    /** All zeros (no source values are read). */
    static TensorRule zeros() {
        return new Zeros();
    }

    /**
     * {@code inner}, then the first {@code leading} values of every run of {@code period} values
     * multiplied by {@code factor}: GPT-2's query columns of a fused {@code c_attn} ({@code period}
     * = 3·hidden, {@code leading} = hidden), so a block that moves to another index keeps its
     * attention scores under {@code scale_attn_by_inverse_layer_idx}.
     */
    static TensorRule scaledLeading(TensorRule inner, int period, int leading, double factor) {
        return new ScaledLeading(inner, period, leading, factor);
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

    record ScaledLeading(TensorRule inner, int period, int leading, double factor)
            implements TensorRule {
        public ScaledLeading {
            Objects.requireNonNull(inner, "inner");
            if (period <= 0 || leading < 0 || leading > period) {
                throw new IllegalArgumentException(
                        "leading " + leading + " of period " + period + "; expected 0…period");
            }
            if (!(factor > 0) || Double.isInfinite(factor)) {
                throw new IllegalArgumentException("factor is " + factor);
            }
        }

        @Override
        public String describe() {
            return inner.describe()
                    + "; first "
                    + leading
                    + " of every "
                    + period
                    + " ×"
                    + String.format(java.util.Locale.ROOT, "%.6g", factor);
        }

        @Override
        public boolean readsSource() {
            return inner.readsSource();
        }

        @Override
        public float[] apply(float[] source, int targetElements, long seed, boolean moments) {
            float[] v = inner.apply(source, targetElements, seed, moments);
            if (moments) {
                return v; // moments are copied, never rescaled (docs/operators.md)
            }
            if (v.length % period != 0) {
                throw new IllegalArgumentException(
                        v.length + " values are not whole runs of " + period);
            }
            float[] out = v == source ? v.clone() : v;
            float f = (float) factor;
            for (int base = 0; base < out.length; base += period) {
                for (int i = base; i < base + leading; i++) {
                    out[i] *= f;
                }
            }
            return out;
        }
    }
}
