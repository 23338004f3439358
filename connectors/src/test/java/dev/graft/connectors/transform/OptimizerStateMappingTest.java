package dev.graft.connectors.transform;

import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.connectors.safetensors.SafetensorsWriter;
import dev.graft.growth.ops.GrowthExecution;
import dev.graft.growth.ops.GrowthOperator;
import dev.graft.growth.ops.GrowthOptions;
import dev.graft.growth.ops.GrowthTarget;
import dev.graft.growth.tensor.TensorInfo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Adam moments beside a checkpoint follow their weights when asked (MAP), by the documented rule:
 * copied wherever the weight is copied or split, never rescaled — so under HyperCloning a linear
 * weight's grown value is its tiled source ÷ the input repeat, while its moment is the tiled source
 * moment. The default (RESET) carries nothing.
 */
class OptimizerStateMappingTest {
    @TempDir Path tmp;

    private Path sourceWithMoments() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path golden = Path.of("src/test/resources/models/llama-gqa-tied");
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(golden.resolve(f), src.resolve(f));
        }
        // exp_avg = the weight itself, exp_avg_sq = its square: easy to recognise after mapping.
        try (SafetensorsSource weights = SafetensorsCheckpoint.open(src)) {
            List<TensorInfo> infos = new ArrayList<>();
            for (TensorInfo t : weights.tensors()) {
                infos.add(new TensorInfo("exp_avg." + t.name(), t.dtype(), t.shape()));
                infos.add(new TensorInfo("exp_avg_sq." + t.name(), t.dtype(), t.shape()));
            }
            try (SafetensorsWriter w =
                    SafetensorsWriter.create(
                            src.resolve("optimizer.safetensors"), infos, Map.of())) {
                for (TensorInfo t : weights.tensors()) {
                    float[] v = weights.readFloats(t.name());
                    float[] sq = new float[v.length];
                    for (int i = 0; i < v.length; i++) {
                        sq[i] = v[i] * v[i];
                    }
                    w.writeFloats("exp_avg." + t.name(), v);
                    w.writeFloats("exp_avg_sq." + t.name(), sq);
                }
            }
        }
        return src;
    }

    private CheckpointGrowth.Result grow(Path src, Path dst, GrowthOptions.OptimizerStateMode mode)
            throws IOException {
        return CheckpointGrowth.grow(
                src,
                dst,
                new CheckpointGrowth.Request(
                        GrowthOperator.HYPERCLONE,
                        GrowthTarget.unchanged(),
                        2,
                        GrowthOptions.defaults().withOptimizerState(mode),
                        5_000_000_000L,
                        0,
                        1),
                GrowthExecution.Progress.NONE);
    }

    @Test
    void mappedMomentsFollowTheirWeightsWithoutTheirRescaling() throws IOException {
        Path src = sourceWithMoments();
        Path dst = tmp.resolve("mapped");
        CheckpointGrowth.Result result = grow(src, dst, GrowthOptions.OptimizerStateMode.MAP);

        assertThat(result.optimizerState()).startsWith("mapped");
        try (SafetensorsSource weights = SafetensorsCheckpoint.open(dst);
                SafetensorsSource moments =
                        SafetensorsCheckpoint.open(dst.resolve("optimizer.safetensors"))) {
            for (TensorInfo t : weights.tensors()) {
                assertThat(moments.find("exp_avg." + t.name())).as(t.name()).isPresent();
                assertThat(moments.info("exp_avg." + t.name()).shape()).isEqualTo(t.shape());
            }
            // A linear layer reading the (2× tiled) residual stream: weight = tiled source ÷ 2,
            // moment = tiled source moment (= tiled source weight, by construction above).
            String q = "model.layers.0.self_attn.q_proj.weight";
            float[] w = weights.readFloats(q);
            float[] m = moments.readFloats("exp_avg." + q);
            float[] sq = moments.readFloats("exp_avg_sq." + q);
            for (int i = 0; i < w.length; i++) {
                assertThat(m[i]).as("exp_avg[%d]", i).isEqualTo(2 * w[i]);
                assertThat(sq[i]).as("exp_avg_sq[%d]", i).isEqualTo(m[i] * m[i]);
            }
        }
    }

    @Test
    void theDefaultResetsTheOptimizerAndSaysSo() throws IOException {
        Path src = sourceWithMoments();
        Path dst = tmp.resolve("reset");
        CheckpointGrowth.Result result = grow(src, dst, GrowthOptions.OptimizerStateMode.RESET);
        assertThat(result.optimizerState()).startsWith("reset");
        assertThat(dst.resolve("optimizer.safetensors")).doesNotExist();
    }
}
