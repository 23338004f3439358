package dev.graft.connectors.replay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StepCsvTest {
    @TempDir Path dir;

    private Path write(String content) throws IOException {
        return Files.writeString(dir.resolve("curve.csv"), content);
    }

    @Test
    void readsTheHeaderMetricAndEveryPointIncludingDivergence() throws IOException {
        StepCsv.Curve curve =
                StepCsv.read(write("step,loss\n0,10.95\n1,10.93\n\n# comment\n2,nan\n3,inf\n"));
        assertThat(curve.metric()).isEqualTo("loss");
        assertThat(curve.points()).extracting(StepCsv.Point::step).containsExactly(0L, 1L, 2L, 3L);
        assertThat(curve.points().get(1).value()).isEqualTo(10.93);
        assertThat(curve.points().get(2).value()).isNaN();
        assertThat(curve.points().get(3).value()).isInfinite();
    }

    @Test
    void headerIsOptional() throws IOException {
        StepCsv.Curve curve = StepCsv.read(write("5,1.5\n6,1.4\n"));
        assertThat(curve.metric()).isNull();
        assertThat(curve.points()).hasSize(2);
    }

    @Test
    void badLinesNameTheLineWhatWasExpectedAndWhatWasFound() throws IOException {
        assertThatThrownBy(() -> StepCsv.read(write("step,loss\n0,1.0\nten,2.0\n")))
                .hasMessageContaining("line 3")
                .hasMessageContaining("expected an integer step")
                .hasMessageContaining("'ten'");
        assertThatThrownBy(() -> StepCsv.read(write("step,loss\n-1,1.0\n")))
                .hasMessageContaining("line 2")
                .hasMessageContaining("step >= 0");
        assertThatThrownBy(() -> StepCsv.read(write("step,loss,lr\n")))
                .hasMessageContaining("2 columns");
        assertThatThrownBy(() -> StepCsv.read(write("0,abc\n")))
                .hasMessageContaining("a number (or nan/inf)");
    }
}
