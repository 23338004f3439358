package dev.graft.connectors.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * Reads one metric's curve from a Hugging Face Trainer {@code trainer_state.json}: the entries of
 * its {@code log_history} array that carry both {@code step} and the metric, in file order.
 *
 * <pre>{@code
 * // {"log_history": [{"epoch": 0.1, "learning_rate": 5e-5, "loss": 2.31, "step": 10},
 * //                  {"eval_loss": 2.2, "eval_runtime": 12.0, "step": 500}, ...]}
 * StepCsv.Curve train = TrainerStateJson.read(Path.of("trainer_state.json"), "loss");
 * StepCsv.Curve eval = TrainerStateJson.read(Path.of("trainer_state.json"), "eval_loss");
 * }</pre>
 *
 * <p>The key is matched exactly: {@code loss} is the train loss logged every {@code logging_steps},
 * {@code eval_loss} the evaluation loss, and {@code train_loss} is the single run-average the
 * Trainer logs at the very end. Python's {@code NaN} and {@code Infinity} literals (which {@code
 * json.dumps} writes for a diverged loss) are read as such.
 */
public final class TrainerStateJson {

    private static final ObjectMapper MAPPER =
            JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private TrainerStateJson() {}

    /**
     * Reads {@code metric} from {@code file}.
     *
     * @throws IllegalArgumentException naming the file (and the line for malformed JSON) when it is
     *     not a trainer state, or no entry has the metric (listing the keys it has)
     * @throws IOException if the file cannot be read
     */
    public static StepCsv.Curve read(Path file, String metric) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.newBufferedReader(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    file
                            + " line "
                            + e.getLocation().getLineNr()
                            + ": expected JSON (an HF trainer_state.json), found malformed JSON: "
                            + e.getOriginalMessage());
        }
        JsonNode history = root == null ? null : root.get("log_history");
        if (history == null || !history.isArray()) {
            throw new IllegalArgumentException(
                    file
                            + ": expected an HF trainer_state.json with a 'log_history' array, found "
                            + (root != null && root.isObject()
                                    ? "keys " + fieldNames(root)
                                    : "no JSON object"));
        }
        List<StepCsv.Point> points = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>();
        int index = 0;
        for (JsonNode entry : history) {
            if (entry.isObject()) {
                keys.addAll(fieldNames(entry));
                JsonNode step = entry.get("step");
                JsonNode value = entry.get(metric);
                if (step != null && value != null && value.isNumber()) {
                    if (!step.canConvertToLong()) {
                        throw new IllegalArgumentException(
                                file
                                        + ": log_history["
                                        + index
                                        + "] step must be an integer, found "
                                        + step);
                    }
                    points.add(new StepCsv.Point(step.asLong(), value.asDouble()));
                }
            }
            index++;
        }
        if (points.isEmpty()) {
            keys.remove("step");
            throw new IllegalArgumentException(
                    file
                            + ": no log_history entry has a step and '"
                            + metric
                            + "'; metrics found: "
                            + keys
                            + " (use --metric with one of them)");
        }
        return new StepCsv.Curve(metric, points);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
