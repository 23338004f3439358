package dev.graft.jobs.trigger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Expected firing steps from the independent reference: {@code
 * growth/src/test/python/plateau_reference.py} implements PyTorch's ReduceLROnPlateau and wrote
 * {@code growth/src/test/resources/detect/plateau_golden.csv}. The Flink tests expect what it says.
 */
final class GoldenPlateau {
    static final Path CURVES = Path.of("..", "growth", "src", "test", "resources", "curves");
    private static final Path GOLDEN =
            Path.of("..", "growth", "src", "test", "resources", "detect", "plateau_golden.csv");

    private GoldenPlateau() {}

    /** Firing steps for a curve and rule, as the reference computed them. */
    static List<Long> firingSteps(
            String curve,
            String metric,
            String mode,
            String threshold,
            String thresholdMode,
            int patience,
            int cooldown)
            throws IOException {
        String prefix =
                String.join(
                                ",",
                                curve,
                                metric,
                                mode,
                                threshold,
                                thresholdMode,
                                String.valueOf(patience),
                                String.valueOf(cooldown))
                        + ",";
        return Files.readAllLines(GOLDEN).stream()
                .filter(line -> line.startsWith(prefix))
                .findFirst()
                .map(
                        line ->
                                Arrays.stream(line.substring(prefix.length()).trim().split(" "))
                                        .filter(s -> !s.isEmpty())
                                        .map(Long::valueOf)
                                        .toList())
                .orElseThrow(
                        () ->
                                new IllegalStateException(
                                        "No golden row starts with '"
                                                + prefix
                                                + "' in "
                                                + GOLDEN
                                                + "; add the configuration to"
                                                + " plateau_configs.csv and rerun"
                                                + " plateau_reference.py"));
    }
}
