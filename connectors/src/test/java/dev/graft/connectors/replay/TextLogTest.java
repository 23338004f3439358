package dev.graft.connectors.replay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TextLogTest {
    @TempDir Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "step 100: loss 2.31                                        | loss      | 100 | 2.31",
                "\"iter 100 | loss 2.31\"                                   | loss      | 100 | 2.31",
                "step:100/1000 train_loss:2.31 train_time:5000ms step_avg:50ms | loss   | 100 | 2.31",
                "step:500/1000 val_loss:2.4012 val_bpb:1.18                 | val_loss  | 500 | 2.4012",
                "iter_dt 12.34ms; iter 100: train loss 2.31                 | loss      | 100 | 2.31",
                "[train] iter 100: loss 2.31                                | loss      | 100 | 2.31",
                "[eval] iter 500: train 2.30 val 2.40                       | eval_loss | 500 | 2.40",
                "s:100 trl:3.2857                                           | loss      | 100 | 3.2857",
                "s:250 tel:3.4                                              | eval_loss | 250 | 3.4",
                "100 train 3.21                                             | loss      | 100 | 3.21",
                "100 val 3.30                                               | val_loss  | 100 | 3.30",
                "\"step    7/74 | train loss 9.8 | lr 6e-4\"                | loss      | 7   | 9.8",
                "step=20 loss=1e-3                                          | loss      | 20  | 0.001",
                "step 100 ppl=10.5                                          | ppl       | 100 | 10.5",
            })
    void readsTheDocumentedFormats(String line, String metric, long step, double value) {
        Optional<StepCsv.Point> point = TextLog.parseLine(line, TextLog.valuePattern(metric));

        assertThat(point).contains(new StepCsv.Point(step, value));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "step:500/1000 val_loss:2.40          | loss",
                "iter 500: val loss 2.40              | loss",
                "step 100: loss 2.31                  | eval_loss",
                "loss 2.31 (no step)                  | loss",
                "checkpoint interval 5 at step 100    | val_loss",
                "step:100/1000 train_time:5000ms      | loss",
            })
    void skipsLinesWithoutBothStepAndMetric(String line, String metric) {
        assertThat(TextLog.parseLine(line, TextLog.valuePattern(metric))).isEmpty();
    }

    @Test
    void readsNonFiniteValuesAndSkipsOtherLines() throws IOException {
        Path log =
                Files.writeString(
                        dir.resolve("train.log"),
                        "config: n_layer=12\n"
                                + "step:1/3 train_loss:10.9\n"
                                + "step:2/3 train_loss:nan\n"
                                + "step:3/3 train_loss:-inf\n"
                                + "step:3/3 val_loss:9.0\n");

        StepCsv.Curve curve = TextLog.read(log, "loss");

        assertThat(curve.metric()).isEqualTo("loss");
        assertThat(curve.points()).extracting(StepCsv.Point::step).containsExactly(1L, 2L, 3L);
        assertThat(curve.points().get(1).value()).isNaN();
        assertThat(curve.points().get(2).value()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(TextLog.read(log, "val_loss").points())
                .containsExactly(new StepCsv.Point(3, 9.0));
    }

    @Test
    void aLogWithoutTheMetricFailsNamingFileAndFormats() throws IOException {
        Path log = Files.writeString(dir.resolve("empty.log"), "hello\nworld\n");

        assertThatThrownBy(() -> TextLog.read(log, "loss"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(log + ": expected log lines with a step and 'loss'")
                .hasMessageEndingWith("found none in 2 lines");
    }
}
