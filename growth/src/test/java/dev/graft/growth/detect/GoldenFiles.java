package dev.graft.growth.detect;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads the golden CSV files written by {@code src/test/python/smoothing_reference.py}. */
final class GoldenFiles {

    private GoldenFiles() {}

    /**
     * The data rows of a golden resource: checks the format line and the header, skips comments.
     */
    static List<String[]> rows(String resource, String header) {
        List<String[]> rows = new ArrayList<>();
        try (InputStream in = GoldenFiles.class.getResourceAsStream(resource)) {
            assertThat(in).as("test resource " + resource).isNotNull();
            BufferedReader reader =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            assertThat(reader.readLine()).as(resource + " format").isEqualTo("# format: 1");
            String line;
            boolean headerSeen = false;
            int columns = header.split(",").length;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("#")) {
                    continue;
                }
                if (!headerSeen) {
                    assertThat(line).as(resource + " header").isEqualTo(header);
                    headerSeen = true;
                    continue;
                }
                String[] cells = line.split(",", -1);
                assertThat(cells).as(resource + " row " + line).hasSize(columns);
                rows.add(cells);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    /** {@code key=value key=value} as an ordered map. */
    static Map<String, String> params(String text) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : text.trim().split(" +")) {
            String[] kv = pair.split("=", 2);
            params.put(kv[0], kv[1]);
        }
        return params;
    }

    static List<Long> longs(String cell) {
        return cell.isEmpty()
                ? List.of()
                : Arrays.stream(cell.split(" ")).map(Long::valueOf).toList();
    }

    static List<Double> doubles(String cell) {
        return cell.isEmpty()
                ? List.of()
                : Arrays.stream(cell.split(" ")).map(TestCurves::parseValue).toList();
    }

    /** Within {@code 1e-9} relative (or {@code 1e-15} absolute near 0); NaN equals NaN. */
    static boolean close(double actual, double expected) {
        if (Double.isNaN(expected) || Double.isNaN(actual)) {
            return Double.isNaN(expected) && Double.isNaN(actual);
        }
        if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
            return actual == expected;
        }
        return Math.abs(actual - expected) <= 1e-9 * Math.abs(expected) + 1e-15;
    }
}
