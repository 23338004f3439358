package dev.graft.connectors.model;

import dev.graft.connectors.fixtures.MiniLm;
import dev.graft.connectors.fixtures.WordPiece;
import dev.graft.connectors.hf.HfCheckpoint;
import dev.graft.connectors.transform.CheckpointGrowth;
import dev.graft.growth.model.ModelInput;
import dev.graft.growth.model.ModelOutput;
import dev.graft.growth.model.TransformerModel;
import dev.graft.growth.ops.GrowthExecution;
import dev.graft.growth.ops.GrowthOperator;
import dev.graft.growth.ops.GrowthOptions;
import dev.graft.growth.ops.GrowthTarget;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Growing a real pretrained model losslessly: all-MiniLM-L6-v2 (post-LN BERT, from ONNX) grown 2×
 * in width. It has no head, so there are no logits to compare; instead every channel of the grown
 * model's final hidden states must equal the source channel it was tiled from (integer multiples
 * tile the residual stream, which post-LN LayerNorm preserves), within 1e-4 of their scale.
 */
class MiniLmGrowthTest {
    private static final int HIDDEN = 384;
    private static final List<String> SENTENCES =
            List.of(
                    "Graft grows models while they train.",
                    "The loss stopped improving, so the model doubled its width.",
                    "A quick brown fox jumps over the lazy dog");

    @TempDir static Path dir;

    private static int[][] ids;
    private static int[][] mask;
    private static float[] source;

    @BeforeAll
    static void runTheSource() throws Exception {
        WordPiece tokenizer = WordPiece.read(MiniLm.tokenizerFile());
        int[][] encoded = SENTENCES.stream().map(tokenizer::encode).toArray(int[][]::new);
        int tokens = Arrays.stream(encoded).mapToInt(s -> s.length).max().orElseThrow();
        ids = new int[encoded.length][tokens];
        mask = new int[encoded.length][tokens];
        for (int b = 0; b < encoded.length; b++) {
            System.arraycopy(encoded[b], 0, ids[b], 0, encoded[b].length);
            Arrays.fill(mask[b], 0, encoded[b].length, 1);
        }
        source = hiddenStates(MiniLm.checkpoint());
    }

    private static float[] hiddenStates(Path checkpoint) throws IOException {
        try (HfCheckpoint ckpt = HfCheckpoint.open(checkpoint).requireComplete();
                TransformerModel model = TransformerModel.of(ckpt.arch(), ckpt.tensors());
                ModelOutput out =
                        model.forward(
                                ModelInput.of(ids)
                                        .withAttentionMask(mask)
                                        .withTokenTypes(new int[ids.length][ids[0].length]))) {
            return out.hiddenStatesAsFloats();
        }
    }

    enum Case {
        HYPERCLONE(GrowthOperator.HYPERCLONE, GrowthTarget.unchanged(), 2),
        LEMON(GrowthOperator.LEMON, new GrowthTarget(768, null, 24, 24, 3072), 0);

        final GrowthOperator operator;
        final GrowthTarget target;
        final int factor;

        Case(GrowthOperator operator, GrowthTarget target, int factor) {
            this.operator = operator;
            this.target = target;
            this.factor = factor;
        }
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void growingTheRealModelTwiceAsWideKeepsItsFunction(Case c) throws Exception {
        Path grown = dir.resolve(c.name());
        CheckpointGrowth.grow(
                MiniLm.checkpoint(),
                grown,
                new CheckpointGrowth.Request(
                        c.operator,
                        c.target,
                        c.factor,
                        GrowthOptions.defaults().withSeed(7),
                        5_000_000_000L,
                        0,
                        1),
                GrowthExecution.Progress.NONE);

        float[] after = hiddenStates(grown);

        int positions = ids.length * ids[0].length;
        assertThat(after).hasSize(positions * 2 * HIDDEN);
        double maxDelta = 0;
        double scale = 0;
        for (int p = 0; p < positions; p++) {
            if (mask[p / ids[0].length][p % ids[0].length] == 0) {
                continue;
            }
            for (int copy = 0; copy < 2; copy++) {
                for (int i = 0; i < HIDDEN; i++) {
                    float expected = source[p * HIDDEN + i];
                    float actual = after[p * 2 * HIDDEN + copy * HIDDEN + i];
                    maxDelta = Math.max(maxDelta, Math.abs(actual - expected));
                    scale = Math.max(scale, Math.abs(expected));
                }
            }
        }
        double relative = maxDelta / scale;
        assertThat(relative)
                .as(
                        "%s on all-MiniLM-L6-v2: max |Δhidden| %.3g over scale %.3g",
                        c, maxDelta, scale)
                .isLessThanOrEqualTo(1e-4);
        System.out.printf(
                "%s on all-MiniLM-L6-v2 ×2 width: max |Δhidden| %.3g, relative %.3g%n",
                c, maxDelta, relative);
    }
}
