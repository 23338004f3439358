package dev.graft.growth.verify;

import dev.graft.growth.model.ModelInput;

import java.util.SplittableRandom;

/**
 * Probe inputs for verification: seeded random token sequences (the same seed gives the same tokens
 * on every machine and JVM).
 *
 * <p>{@code Probes.random(42, 4, 32, 50257)} is 4 sequences of 32 token ids in {@code [0, 50257)}.
 */
public final class Probes {

    private Probes() {}

    /**
     * {@code sequences} sequences of {@code tokens} ids drawn uniformly from {@code [0, vocabSize)}
     * with {@link SplittableRandom}.
     */
    public static ModelInput random(long seed, int sequences, int tokens, int vocabSize) {
        if (sequences <= 0 || tokens <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException(
                    "probes need positive sequences, tokens and vocabulary size; found "
                            + sequences
                            + ", "
                            + tokens
                            + ", "
                            + vocabSize);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[][] ids = new int[sequences][tokens];
        for (int[] row : ids) {
            for (int t = 0; t < tokens; t++) {
                row[t] = random.nextInt(vocabSize);
            }
        }
        return ModelInput.of(ids);
    }
}
