package dev.graft.connectors.replay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainerStateJsonTest {
    @TempDir Path dir;

    private static final String STATE =
            """
            {
              "best_metric": null,
              "global_step": 1000,
              "log_history": [
                {"epoch": 0.01, "learning_rate": 5e-05, "loss": 2.31, "step": 10},
                {"epoch": 0.02, "learning_rate": 5e-05, "loss": NaN, "step": 20},
                {"epoch": 0.5, "eval_loss": 2.2, "eval_runtime": 12.0, "step": 500},
                {"epoch": 0.51, "learning_rate": 4e-05, "loss": 2.05, "step": 510},
                {"epoch": 1.0, "step": 1000, "train_loss": 2.2, "train_runtime": 100.0}
              ]
            }
            """;

    @Test
    void readsTrainAndEvalLossByExactKey() throws IOException {
        Path file = Files.writeString(dir.resolve("trainer_state.json"), STATE);

        StepCsv.Curve train = TrainerStateJson.read(file, "loss");
        StepCsv.Curve eval = TrainerStateJson.read(file, "eval_loss");

        assertThat(train.points()).extracting(StepCsv.Point::step).containsExactly(10L, 20L, 510L);
        assertThat(train.points().get(1).value()).isNaN();
        assertThat(eval.points()).containsExactly(new StepCsv.Point(500, 2.2));
        assertThat(CurveFiles.read(file, "train_loss").points())
                .containsExactly(new StepCsv.Point(1000, 2.2));
    }

    @Test
    void aMissingMetricListsTheMetricsFound() throws IOException {
        Path file = Files.writeString(dir.resolve("trainer_state.json"), STATE);

        assertThatThrownBy(() -> TrainerStateJson.read(file, "val_loss"))
                .hasMessage(
                        file
                                + ": no log_history entry has a step and 'val_loss'; metrics found:"
                                + " [epoch, eval_loss, eval_runtime, learning_rate, loss,"
                                + " train_loss, train_runtime] (use --metric with one of them)");
    }

    @Test
    void notATrainerStateOrNotJsonFailsNamingFileAndLine() throws IOException {
        Path other = Files.writeString(dir.resolve("config.json"), "{\"n_layer\": 12}");
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\n\"log_history\": [\n{,");

        assertThatThrownBy(() -> TrainerStateJson.read(other, "loss"))
                .hasMessage(
                        other
                                + ": expected an HF trainer_state.json with a 'log_history' array,"
                                + " found keys [n_layer]");
        assertThatThrownBy(() -> TrainerStateJson.read(broken, "loss"))
                .hasMessageStartingWith(broken + " line 3: expected JSON");
    }

    @Test
    void curveFilesDispatchesOnTheName() throws IOException {
        Path csv = Files.writeString(dir.resolve("c.csv"), "step,loss\n1,2.0\n");
        Path log = Files.writeString(dir.resolve("c.log"), "step 1: loss 2.0\n");

        assertThat(CurveFiles.read(csv, "eval_loss").points())
                .containsExactly(new StepCsv.Point(1, 2.0));
        assertThat(CurveFiles.read(log, "loss").points())
                .containsExactly(new StepCsv.Point(1, 2.0));
        assertThatThrownBy(() -> CurveFiles.read(dir.resolve("missing.csv"), "loss"))
                .hasMessageContaining("missing.csv: expected a readable file");
    }
}
