package dev.graft.growth.ops;

/**
 * What a grown tensor holds where an axis index is {@link AxisMap#NEW}: the mean of the source
 * values along that axis (LEMON's "average" expansion), a constant, or seeded normal noise.
 */
public sealed interface Fill {

    /**
     * The mean over the source indices of the axis: keeps LEMON's residual stream {@code V_avg}.
     */
    static Fill mean() {
        return new Mean();
    }

    /** Zero. */
    static Fill zero() {
        return new Constant(0);
    }

    /** A constant (1 for a new norm gain). */
    static Fill constant(double value) {
        return new Constant(value);
    }

    /** Normal noise with standard deviation {@code std}, deterministic in the plan's seed. */
    static Fill noise(double std) {
        return std == 0 ? zero() : new Noise(std);
    }

    /** For plans. */
    String describe();

    record Mean() implements Fill {
        @Override
        public String describe() {
            return "mean";
        }
    }

    record Constant(double value) implements Fill {
        @Override
        public String describe() {
            return value == 0 ? "0" : Double.toString(value);
        }
    }

    record Noise(double std) implements Fill {
        public Noise {
            if (!(std > 0) || Double.isInfinite(std)) {
                throw new IllegalArgumentException(
                        "noise std is " + std + "; expected a positive finite number");
            }
        }

        @Override
        public String describe() {
            return "N(0, " + std + "²)";
        }
    }
}
