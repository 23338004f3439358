package dev.graft.connectors.replay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a training curve from whichever of the supported files it is, by its name: {@code *.csv}
 * with {@link StepCsv}, {@code *.json} with {@link TrainerStateJson} (HF {@code
 * trainer_state.json}), anything else as a plain-text log with {@link TextLog}.
 *
 * <pre>{@code
 * StepCsv.Curve curve = CurveFiles.read(Path.of("runs/7/trainer_state.json"), "eval_loss");
 * }</pre>
 *
 * <p>A CSV holds one value column, whatever its header calls it, so {@code metric} only names the
 * curve there when the header has no name.
 */
public final class CurveFiles {

    private CurveFiles() {}

    /**
     * Reads {@code metric} from {@code file}.
     *
     * @throws IllegalArgumentException naming the file (and line where there is one) when it cannot
     *     be used
     * @throws IOException if it cannot be read
     */
    public static StepCsv.Curve read(Path file, String metric) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    file
                            + ": expected a readable file (CSV, trainer_state.json or a text log),"
                            + " found "
                            + (Files.exists(file) ? "something else" : "nothing"));
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            StepCsv.Curve curve = StepCsv.read(file);
            return curve.metric() == null ? new StepCsv.Curve(metric, curve.points()) : curve;
        } else if (name.endsWith(".json")) {
            return TrainerStateJson.read(file, metric);
        }
        return TextLog.read(file, metric);
    }
}
