package dev.graft.growth.model;

import java.util.Arrays;

/**
 * A batch of token sequences, all of one length, with optional token types (BERT segments) and
 * attention mask (1 = attend, 0 = padding).
 *
 * <pre>{@code
 * ModelInput in = ModelInput.of(new int[][] {{5, 17, 3}, {8, 2, 9}})
 *         .withAttentionMask(new int[][] {{1, 1, 1}, {1, 1, 0}});
 * }</pre>
 *
 * @param tokenTypes {@code null} for all zeros
 * @param attentionMask {@code null} for no padding
 */
public record ModelInput(int[][] tokenIds, int[][] tokenTypes, int[][] attentionMask) {

    public ModelInput {
        tokenIds = copyRectangular("token ids", tokenIds, -1);
        int length = tokenIds[0].length;
        tokenTypes = tokenTypes == null ? null : copyRectangular("token types", tokenTypes, length);
        attentionMask =
                attentionMask == null
                        ? null
                        : copyRectangular("attention mask", attentionMask, length);
        if (tokenTypes != null && tokenTypes.length != tokenIds.length) {
            throw new IllegalArgumentException(
                    "token types have "
                            + tokenTypes.length
                            + " sequences; expected "
                            + tokenIds.length
                            + " like the token ids");
        }
        if (attentionMask != null) {
            if (attentionMask.length != tokenIds.length) {
                throw new IllegalArgumentException(
                        "attention mask has "
                                + attentionMask.length
                                + " sequences; expected "
                                + tokenIds.length
                                + " like the token ids");
            }
            for (int[] row : attentionMask) {
                for (int m : row) {
                    if (m != 0 && m != 1) {
                        throw new IllegalArgumentException(
                                "attention mask holds " + m + "; expected 0 or 1");
                    }
                }
            }
        }
    }

    /** Token ids only: no token types, no padding. */
    public static ModelInput of(int[][] tokenIds) {
        return new ModelInput(tokenIds, null, null);
    }

    /** A copy with these token types. */
    public ModelInput withTokenTypes(int[][] types) {
        return new ModelInput(tokenIds, types, attentionMask);
    }

    /** A copy with this attention mask. */
    public ModelInput withAttentionMask(int[][] mask) {
        return new ModelInput(tokenIds, tokenTypes, mask);
    }

    /** Number of sequences. */
    public int batchSize() {
        return tokenIds.length;
    }

    /** Tokens per sequence. */
    public int sequenceLength() {
        return tokenIds[0].length;
    }

    /** Token {@code t} of sequence {@code b}. */
    public int token(int b, int t) {
        return tokenIds[b][t];
    }

    /** Token type of position {@code t} of sequence {@code b} (0 without token types). */
    public int tokenType(int b, int t) {
        return tokenTypes == null ? 0 : tokenTypes[b][t];
    }

    /** Whether position {@code t} of sequence {@code b} is attended to (true without a mask). */
    public boolean attends(int b, int t) {
        return attentionMask == null || attentionMask[b][t] != 0;
    }

    @Override
    public int[][] tokenIds() {
        return deepCopy(tokenIds);
    }

    @Override
    public int[][] tokenTypes() {
        return tokenTypes == null ? null : deepCopy(tokenTypes);
    }

    @Override
    public int[][] attentionMask() {
        return attentionMask == null ? null : deepCopy(attentionMask);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelInput m
                && Arrays.deepEquals(tokenIds, m.tokenIds)
                && Arrays.deepEquals(tokenTypes, m.tokenTypes)
                && Arrays.deepEquals(attentionMask, m.attentionMask);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(new Object[] {tokenIds, tokenTypes, attentionMask});
    }

    @Override
    public String toString() {
        return "ModelInput["
                + tokenIds.length
                + " × "
                + tokenIds[0].length
                + (tokenTypes == null ? "" : ", token types")
                + (attentionMask == null ? "" : ", attention mask")
                + "]";
    }

    private static int[][] copyRectangular(String what, int[][] rows, int length) {
        if (rows == null || rows.length == 0) {
            throw new IllegalArgumentException(what + ": expected at least one sequence");
        }
        int expected = length < 0 ? (rows[0] == null ? 0 : rows[0].length) : length;
        if (expected == 0) {
            throw new IllegalArgumentException(what + ": expected at least one token per sequence");
        }
        int[][] out = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != expected) {
                throw new IllegalArgumentException(
                        what
                                + ": sequence "
                                + i
                                + " has "
                                + (rows[i] == null ? 0 : rows[i].length)
                                + " tokens; expected "
                                + expected
                                + " (all sequences of a batch have one length)");
            }
            out[i] = rows[i].clone();
        }
        return out;
    }

    private static int[][] deepCopy(int[][] rows) {
        int[][] out = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = rows[i].clone();
        }
        return out;
    }
}
