package dev.graft.growth.ops;

/**
 * Counter-based randomness: a value is a pure function of (seed, indices), so a tensor can be
 * computed in any order, in parallel, and again, with the same result. SplitMix64's finaliser.
 */
final class Hashing {

    private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;

    private Hashing() {}

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    static long key(long seed, long a) {
        return mix(seed + GOLDEN * (a + 1));
    }

    static long key(long seed, long a, long b) {
        return mix(key(seed, a) + GOLDEN * (b + 1));
    }

    /** The seed of one tensor: stable across runs (String.hashCode is specified). */
    static long tensorSeed(long seed, String tensor) {
        return mix(seed ^ ((long) tensor.hashCode() << 32 | tensor.length()));
    }

    /** U(−1, 1). */
    static double uniform(long key) {
        return ((key >>> 11) * 0x1.0p-53) * 2 - 1;
    }

    /** Standard normal (Box–Muller on two derived uniforms). */
    static double gaussian(long key) {
        double u1 = ((mix(key) >>> 11) + 1) * 0x1.0p-53;
        double u2 = (mix(key + GOLDEN) >>> 11) * 0x1.0p-53;
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
