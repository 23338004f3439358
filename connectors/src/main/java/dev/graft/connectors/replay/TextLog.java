package dev.graft.connectors.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one metric's curve from a plain-text training log, the kind nanoGPT, llm.c, modded-nanogpt,
 * minGPT and most hand-written loops print. Each line is searched for a step and a value; lines
 * with only one of them (or neither) are skipped.
 *
 * <pre>{@code
 * StepCsv.Curve train = TextLog.read(Path.of("train.log"), "loss");
 * StepCsv.Curve val = TextLog.read(Path.of("train.log"), "val_loss");
 * }</pre>
 *
 * <h2>The step</h2>
 *
 * The first of, case-insensitive: {@code step}, {@code iter} or {@code iteration} followed by an
 * optional {@code :} or {@code =} and an integer, optionally {@code /total} ({@code step 100},
 * {@code step:100/1000}, {@code iter 100:}, {@code step=100}); llm.c's {@code s:100}; or an integer
 * at the start of the line followed by a word (build-nanogpt's {@code 100 train 3.21}).
 *
 * <h2>The value</h2>
 *
 * A number ({@code 2.31}, {@code 1e-3}, {@code nan}, {@code inf}) after the metric's name and an
 * optional {@code :} or {@code =}:
 *
 * <table>
 *   <caption>metric keys and the names they match</caption>
 *   <tr><th>key</th><th>matches</th><th>examples</th></tr>
 *   <tr><td>{@code loss}, {@code train_loss}</td>
 *       <td>{@code loss}, {@code train loss}, {@code train_loss}, {@code training loss}, bare
 *       {@code train}, llm.c's {@code trl} (not {@code val loss}, {@code eval_loss}, …)</td>
 *       <td>{@code step 100: loss 2.31}, {@code iter 100 | loss 2.31}, {@code
 *       step:100/1000 train_loss:2.31}, {@code s:100 trl:2.31}, {@code 100 train 2.31}</td></tr>
 *   <tr><td>{@code eval_loss}, {@code val_loss}</td>
 *       <td>{@code val}, {@code eval}, {@code valid}, {@code validation} or {@code test}, alone or
 *       with {@code loss}/{@code _loss}; llm.c's {@code tel}</td>
 *       <td>{@code step:500/1000 val_loss:2.40}, {@code iter 500: train 2.3 val 2.4}, {@code
 *       s:500 tel:2.4}</td></tr>
 *   <tr><td>any other key {@code K}</td><td>{@code K} itself</td>
 *       <td>{@code --metric ppl} on {@code step 100 ppl=10.1}</td></tr>
 * </table>
 *
 * The first match on a line wins. A name only counts at a word start: {@code interval 5} is not a
 * {@code val}.
 */
public final class TextLog {

    private static final String NUMBER =
            "([-+]?(?:\\d+\\.?\\d*(?:[eE][-+]?\\d+)?|\\.\\d+(?:[eE][-+]?\\d+)?"
                    + "|(?i:nan|infinity|inf)))";
    private static final String SEPARATOR = "\\s*[:=]?\\s*";

    /** {@code step 100}, {@code step:100/1000}, {@code iter 100}, {@code s:100}. */
    static final Pattern STEP =
            Pattern.compile(
                    "(?i)(?<![\\w])(?:(?:step|iter|iteration)\\s*[:=]?\\s*|s:)(\\d+)(?:\\s*/\\s*\\d+)?");

    /** {@code 100 train 3.21}: a leading integer followed by a word. */
    static final Pattern LEADING_STEP = Pattern.compile("^\\s*(\\d+)\\s+(?=[A-Za-z])");

    /** The train loss. */
    static final Pattern TRAIN_LOSS =
            Pattern.compile(
                    "(?i)(?<![\\w])(?<!val |eval |valid |validation |test )"
                            + "(?:(?:train(?:ing)?[_ ]?)?loss|train|trl)"
                            + SEPARATOR
                            + NUMBER);

    /** The evaluation loss. */
    static final Pattern EVAL_LOSS =
            Pattern.compile(
                    "(?i)(?<![\\w])(?:(?:val|eval|valid|validation|test)(?:[_ ]?loss)?|tel)"
                            + SEPARATOR
                            + NUMBER);

    private TextLog() {}

    /** The value pattern for a metric key (see the class documentation). */
    static Pattern valuePattern(String metric) {
        String key = metric.strip().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "loss", "train_loss" -> TRAIN_LOSS;
            case "eval_loss", "val_loss" -> EVAL_LOSS;
            default ->
                    Pattern.compile(
                            "(?i)(?<![\\w])" + Pattern.quote(metric.strip()) + SEPARATOR + NUMBER);
        };
    }

    /**
     * Reads {@code metric} from {@code file}.
     *
     * @throws IllegalArgumentException naming the file when no line has both a step and the metric
     * @throws IOException if the file cannot be read
     */
    public static StepCsv.Curve read(Path file, String metric) throws IOException {
        Pattern value = valuePattern(metric);
        List<StepCsv.Point> points = new ArrayList<>();
        int lines = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                lines++;
                parseLine(line, value).ifPresent(points::add);
            }
        }
        if (points.isEmpty()) {
            throw new IllegalArgumentException(
                    file
                            + ": expected log lines with a step and '"
                            + metric
                            + "' (like 'step 100: loss 2.31', 'iter 100 | loss 2.31' or"
                            + " 'step:100/1000 train_loss:2.31'), found none in "
                            + lines
                            + " lines");
        }
        return new StepCsv.Curve(metric, points);
    }

    /** The point on one line, if it has both a step and the value. */
    static java.util.Optional<StepCsv.Point> parseLine(String line, Pattern value) {
        Matcher step = STEP.matcher(line);
        String stepText;
        int searchFrom;
        if (step.find()) {
            stepText = step.group(1);
            searchFrom = 0;
        } else {
            Matcher leading = LEADING_STEP.matcher(line);
            if (!leading.find()) {
                return java.util.Optional.empty();
            }
            stepText = leading.group(1);
            searchFrom = leading.end();
        }
        Matcher v = value.matcher(line);
        if (!v.find(searchFrom)) {
            return java.util.Optional.empty();
        }
        long stepNumber;
        try {
            stepNumber = Long.parseLong(stepText);
        } catch (NumberFormatException e) {
            return java.util.Optional.empty(); // more digits than a long: not a step
        }
        return java.util.Optional.of(new StepCsv.Point(stepNumber, parseNumber(v.group(1))));
    }

    private static double parseNumber(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        boolean negative = t.startsWith("-");
        String unsigned = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
        return switch (unsigned) {
            case "nan" -> Double.NaN;
            case "inf", "infinity" ->
                    negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            default -> Double.parseDouble(t);
        };
    }
}
