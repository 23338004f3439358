package dev.graft.connectors.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a training curve as {@code step,value} CSV, like those public training logs give: an
 * optional header ({@code step,loss}), then one evaluation per line. Values may be {@code nan} or
 * {@code inf} (divergence is data). Blank lines and lines starting with {@code #} are skipped.
 *
 * <pre>{@code
 * StepCsv.Curve curve = StepCsv.read(Path.of("loss.csv"));
 * curve.metric();  // "loss", from the header
 * curve.points();  // [(0, 10.95), (1, 10.93), ...]
 * }</pre>
 */
public final class StepCsv {
    private StepCsv() {}

    /** One evaluation: a step and the metric's value there. */
    public record Point(long step, double value) {}

    /**
     * A parsed curve.
     *
     * @param metric the value column's name from the header, or null without a header
     */
    public record Curve(String metric, List<Point> points) {
        public Curve {
            points = List.copyOf(points);
        }
    }

    /** Reads and validates the whole file; the first bad line fails with its line number. */
    public static Curve read(Path file) throws IOException {
        List<Point> points = new ArrayList<>();
        String metric = null;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            boolean first = true;
            while ((line = in.readLine()) != null) {
                number++;
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                String[] cells = trimmed.split(",", -1);
                if (cells.length != 2) {
                    throw error(
                            file,
                            number,
                            "2 columns (step,value)",
                            cells.length + " columns: " + abbreviate(trimmed));
                }
                if (first) {
                    first = false;
                    if (!looksNumeric(cells[0].strip())) {
                        String stepHeader = cells[0].strip();
                        if (!stepHeader.equalsIgnoreCase("step")) {
                            throw error(
                                    file,
                                    number,
                                    "a header 'step,<metric>' or a number",
                                    "'" + abbreviate(stepHeader) + "'");
                        }
                        metric = cells[1].strip();
                        if (metric.isEmpty()) {
                            throw error(
                                    file,
                                    number,
                                    "a metric name in the header's second column",
                                    "nothing");
                        }
                        continue;
                    }
                }
                long step;
                try {
                    step = Long.parseLong(cells[0].strip());
                } catch (NumberFormatException e) {
                    throw error(
                            file,
                            number,
                            "an integer step",
                            "'" + abbreviate(cells[0].strip()) + "'");
                }
                if (step < 0) {
                    throw error(file, number, "a step >= 0", String.valueOf(step));
                }
                points.add(new Point(step, parseValue(file, number, cells[1].strip())));
            }
        }
        return new Curve(metric, points);
    }

    private static double parseValue(Path file, int line, String cell) {
        switch (cell.toLowerCase(Locale.ROOT)) {
            case "nan":
                return Double.NaN;
            case "inf":
            case "+inf":
            case "infinity":
                return Double.POSITIVE_INFINITY;
            case "-inf":
            case "-infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                try {
                    return Double.parseDouble(cell);
                } catch (NumberFormatException e) {
                    throw error(file, line, "a number (or nan/inf)", "'" + abbreviate(cell) + "'");
                }
        }
    }

    private static boolean looksNumeric(String cell) {
        return !cell.isEmpty()
                && (Character.isDigit(cell.charAt(0))
                        || cell.charAt(0) == '-'
                        || cell.charAt(0) == '+');
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }

    private static IllegalArgumentException error(
            Path file, int line, String expected, String found) {
        return new IllegalArgumentException(
                file + " line " + line + ": expected " + expected + ", found " + found);
    }
}
