package dev.graft.growth.detect;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads the {@code step,<metric>} CSV curves under {@code src/test/resources/curves/}. */
final class TestCurves {

    /** One logged point. */
    record Point(long step, double value) {}

    private TestCurves() {}

    /**
     * The points of {@code curves/<name>} in file order, values parsed like Python's {@code float}
     * (so {@code nan}, {@code inf}, {@code -inf} are accepted as well as Java's spellings).
     */
    static List<Point> read(String name) {
        String resource = "/curves/" + name;
        List<Point> points = new ArrayList<>();
        try (InputStream in = TestCurves.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            BufferedReader reader =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String header = reader.readLine();
            if (header == null || !header.startsWith("step,") || header.split(",").length != 2) {
                throw new IllegalArgumentException(
                        resource + ": expected header step,<metric>, found " + header);
            }
            String line;
            int lineNumber = 1;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                String[] cells = line.split(",", -1);
                if (cells.length != 2) {
                    throw new IllegalArgumentException(
                            resource + ":" + lineNumber + ": expected step,value, found " + line);
                }
                points.add(new Point(Long.parseLong(cells[0]), parseValue(cells[1])));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return points;
    }

    /** The values of a metric derived from a curve: {@code loss} as logged, or its negation. */
    static List<Point> metric(List<Point> points, String metric) {
        return switch (metric) {
            case "loss" -> points;
            case "neg_loss" -> points.stream().map(p -> new Point(p.step(), -p.value())).toList();
            default ->
                    throw new IllegalArgumentException(
                            "unknown metric '" + metric + "': expected loss or neg_loss");
        };
    }

    static double parseValue(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "nan" -> Double.NaN;
            case "inf", "+inf", "infinity", "+infinity" -> Double.POSITIVE_INFINITY;
            case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(t);
        };
    }
}
