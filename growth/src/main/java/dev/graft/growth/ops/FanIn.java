package dev.graft.growth.ops;

/**
 * How a weight is shared among the copies of the input neuron it reads (its fan-in column): the
 * {@code m} copies of an input channel carry identical activations, so any values that sum to the
 * original weight preserve the function.
 *
 * <ul>
 *   <li>{@link #equal()}: {@code w/m} each (HyperCloning, Net2Net).
 *   <li>{@link #randomSplit(double)}: copy {@code k} gets {@code w·(1 + s·(u_k − ū))/m}, {@code u ~
 *       U(−1, 1)} per weight: unequal, summing to {@code w} (LEMON's symmetry breaking).
 *   <li>{@link #pairedNoise(double)}: {@code w/m ± n}, paired copies cancel (HyperCloning's
 *       optional noise; with an odd {@code m} the last copy gets none).
 *   <li>{@link #cancel(double)}: values summing to zero, whatever {@code w} was (LEMON's new
 *       blocks); a channel with one copy gets 0.
 *   <li>{@link #zero()}: all zero (identity blocks).
 *   <li>{@link #copy()}: {@code w} in every copy (optimizer moments, not weights).
 * </ul>
 */
public sealed interface FanIn {

    static FanIn equal() {
        return new Equal();
    }

    static FanIn randomSplit(double spread) {
        return new RandomSplit(spread);
    }

    static FanIn pairedNoise(double relativeStd) {
        return new PairedNoise(relativeStd);
    }

    static FanIn cancel(double std) {
        return new Cancel(std);
    }

    static FanIn zero() {
        return new Zero();
    }

    static FanIn copy() {
        return new Copy();
    }

    /** For plans. */
    String describe();

    /** Whether the copies of a weight sum to the weight (in exact arithmetic). */
    default boolean preservesSum() {
        return !(this instanceof Copy);
    }

    record Equal() implements FanIn {
        @Override
        public String describe() {
            return "÷copies";
        }
    }

    record RandomSplit(double spread) implements FanIn {
        public RandomSplit {
            if (!(spread >= 0 && spread < 1)) {
                throw new IllegalArgumentException(
                        "split spread is " + spread + "; expected 0 ≤ spread < 1");
            }
        }

        @Override
        public String describe() {
            return "unequal split (1 + " + spread + "·(u−ū))/copies";
        }
    }

    record PairedNoise(double relativeStd) implements FanIn {
        @Override
        public String describe() {
            return "÷copies ± paired noise " + relativeStd + "·rms(W)";
        }
    }

    record Cancel(double std) implements FanIn {
        @Override
        public String describe() {
            return "cancelling values, std " + std + ", summing to 0";
        }
    }

    record Zero() implements FanIn {
        @Override
        public String describe() {
            return "0";
        }
    }

    record Copy() implements FanIn {
        @Override
        public String describe() {
            return "copied";
        }
    }
}
