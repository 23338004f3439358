package dev.graft.cli;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Renders a training curve, its smoothed versions and detector firings to a PNG with {@code
 * java.awt} (works headless: {@code -Djava.awt.headless=true}).
 *
 * <pre>{@code
 * CurvePlot.render(Path.of("loss.png"), "16_paramgolf_4h.csv (loss)",
 *         List.of(new CurvePlot.Series("loss", CurvePlot.RAW, steps, values),
 *                 new CurvePlot.Series("ema:0.9", new Color(0x1f77b4), steps, smoothed)),
 *         List.of(new CurvePlot.Marks("rlrop", new Color(0xff7f0e), List.of(8800L))));
 * }</pre>
 *
 * <p>The y axis covers the raw values after the first 5% of the steps, up to their 99th percentile,
 * so the early fall and a few spikes (clipped to the edges) do not flatten the part where plateaus
 * happen; it is logarithmic when that range is positive and spans more than 20x. Firings are drawn
 * as a row of ticks per detector under the plot, and (when there are at most 40 in all) as faint
 * vertical lines through it; NaN and infinite values are marked with an x on the top edge. Lines
 * are broken where the step goes backwards (a restart).
 */
public final class CurvePlot {

    /** The colour of the raw curve. */
    public static final Color RAW = new Color(0xb0b8c8);

    private static final int WIDTH = 1200;
    private static final int PLOT_HEIGHT = 420;
    private static final int LEFT = 80;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int ROW = 22;

    private CurvePlot() {}

    /**
     * A line to draw. Non-finite values break the line.
     *
     * @param name the legend label
     * @param color its colour
     * @param steps the x values
     * @param values the y values, same length
     */
    public record Series(String name, Color color, long[] steps, double[] values) {
        /** Checks the lengths. */
        public Series {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(color, "color");
            if (steps.length != values.length) {
                throw new IllegalArgumentException(
                        "Series '"
                                + name
                                + "' has "
                                + steps.length
                                + " steps but "
                                + values.length
                                + " values");
            }
        }
    }

    /**
     * A detector's firings.
     *
     * @param name the row label
     * @param color its colour
     * @param steps where it fired
     */
    public record Marks(String name, Color color, List<Long> steps) {}

    /** Renders and writes {@code out} (creating its directory). */
    public static void render(Path out, String title, List<Series> series, List<Marks> marks)
            throws IOException {
        BufferedImage image = draw(title, series, marks);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(image, "png", out.toFile())) {
            throw new IOException("no PNG writer in this JVM for " + out);
        }
    }

    /** Draws the image. */
    static BufferedImage draw(String title, List<Series> series, List<Marks> marks) {
        int height = TOP + PLOT_HEIGHT + 50 + ROW * Math.max(1, marks.size()) + 30;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(
                RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

        long minStep = Long.MAX_VALUE;
        long maxStep = Long.MIN_VALUE;
        for (Series s : series) {
            for (long step : s.steps()) {
                minStep = Math.min(minStep, step);
                maxStep = Math.max(maxStep, step);
            }
        }
        if (minStep > maxStep) {
            minStep = 0;
            maxStep = 1;
        } else if (minStep == maxStep) {
            maxStep = minStep + 1;
        }
        // The y range covers the curve after its first 5% of steps (where plateaus live): the
        // early fall is clipped to the top edge rather than squashing the rest.
        long viewFrom = minStep + (maxStep - minStep) / 20;
        List<Double> finite = new ArrayList<>();
        if (!series.isEmpty()) {
            Series raw = series.get(0);
            for (int i = 0; i < raw.steps().length; i++) {
                if (raw.steps()[i] >= viewFrom && Double.isFinite(raw.values()[i])) {
                    finite.add(raw.values()[i]);
                }
            }
        }
        double[] sorted = finite.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double yMin = sorted.length == 0 ? 0 : sorted[0];
        double yMax = sorted.length == 0 ? 1 : sorted[(int) Math.floor(0.99 * (sorted.length - 1))];
        if (yMax <= yMin) {
            yMax = yMin + Math.max(1e-12, Math.abs(yMin) * 1e-3);
        }
        double pad = (yMax - yMin) * 0.05;
        yMin = yMin > 0 && yMin - pad <= 0 ? yMin / 2 : yMin - pad;
        yMax = yMax + pad;
        boolean log = yMin > 0 && yMax / yMin > 20;
        Axis x = new Axis(minStep, maxStep, LEFT, WIDTH - RIGHT, false);
        Axis y = new Axis(yMin, yMax, TOP + PLOT_HEIGHT, TOP, log);

        // frame, grid and ticks
        g.setColor(new Color(0xeeeeee));
        for (double t : y.ticks()) {
            int py = (int) Math.round(y.map(t));
            g.drawLine(LEFT, py, WIDTH - RIGHT, py);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(LEFT, TOP, WIDTH - LEFT - RIGHT, PLOT_HEIGHT);
        for (double t : y.ticks()) {
            int py = (int) Math.round(y.map(t));
            String label = format(t);
            g.drawString(label, LEFT - 6 - g.getFontMetrics().stringWidth(label), py + 4);
        }
        for (double t : x.ticks()) {
            int px = (int) Math.round(x.map(t));
            g.drawLine(px, TOP + PLOT_HEIGHT, px, TOP + PLOT_HEIGHT + 4);
            String label = format(t);
            g.drawString(
                    label, px - g.getFontMetrics().stringWidth(label) / 2, TOP + PLOT_HEIGHT + 18);
        }
        g.drawString("step", WIDTH - RIGHT - 30, TOP + PLOT_HEIGHT + 34);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title + (log ? "  (log scale)" : ""), LEFT, TOP - 14);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

        // firing lines through the plot
        java.awt.Shape clip = g.getClip();
        g.setClip(LEFT, TOP, WIDTH - LEFT - RIGHT, PLOT_HEIGHT);
        int totalMarks = marks.stream().mapToInt(m -> m.steps().size()).sum();
        for (Marks m : totalMarks > 40 ? List.<Marks>of() : marks) {
            g.setColor(
                    new Color(m.color().getRed(), m.color().getGreen(), m.color().getBlue(), 70));
            for (long step : m.steps()) {
                int px = (int) Math.round(x.map(step));
                g.drawLine(px, TOP, px, TOP + PLOT_HEIGHT);
            }
        }
        // series
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            g.setColor(s.color());
            g.setStroke(new BasicStroke(k == 0 ? 1.0f : 1.8f));
            Path2D.Double path = new Path2D.Double();
            boolean pen = false;
            long previous = Long.MIN_VALUE;
            for (int i = 0; i < s.steps().length; i++) {
                double v = s.values()[i];
                long step = s.steps()[i];
                if (!Double.isFinite(v) || step < previous) {
                    pen = false;
                }
                previous = step;
                if (!Double.isFinite(v)) {
                    if (k == 0) { // mark divergence on the top edge
                        g.setColor(new Color(0xd62728));
                        int px = (int) Math.round(x.map(step));
                        g.draw(new Line2D.Double(px - 4, TOP + 2, px + 4, TOP + 10));
                        g.draw(new Line2D.Double(px - 4, TOP + 10, px + 4, TOP + 2));
                        g.setColor(s.color());
                    }
                    continue;
                }
                double px = x.map(step);
                double py = y.map(Math.max(yMin, Math.min(v, yMax)));
                if (pen) {
                    path.lineTo(px, py);
                } else {
                    path.moveTo(px, py);
                    pen = true;
                }
            }
            g.draw(path);
        }
        g.setClip(clip);
        g.setStroke(new BasicStroke(1f));

        // legend
        int lx = LEFT + 10;
        int ly = TOP + 18;
        for (Series s : series) {
            g.setColor(s.color());
            g.fillRect(lx, ly - 8, 16, 4);
            g.setColor(Color.DARK_GRAY);
            g.drawString(s.name(), lx + 22, ly - 2);
            ly += 16;
        }

        // firing rows
        int rowTop = TOP + PLOT_HEIGHT + 46;
        for (Marks m : marks) {
            g.setColor(Color.DARK_GRAY);
            String label = m.name() + " (" + m.steps().size() + ")";
            g.drawString(label, 6, rowTop + 14);
            g.setColor(m.color());
            for (long step : m.steps()) {
                int px = (int) Math.round(x.map(step));
                g.fillRect(px - 1, rowTop + 3, 3, ROW - 6);
            }
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, rowTop + ROW, WIDTH - RIGHT, rowTop + ROW);
            rowTop += ROW;
        }
        g.dispose();
        return image;
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e7) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /** A linear or logarithmic mapping from data to pixels, with round ticks. */
    private record Axis(double min, double max, double from, double to, boolean log) {
        double map(double v) {
            double t =
                    log
                            ? (Math.log10(v) - Math.log10(min))
                                    / (Math.log10(max) - Math.log10(min))
                            : (v - min) / (max - min);
            return from + t * (to - from);
        }

        double[] ticks() {
            List<Double> ticks = new ArrayList<>();
            if (log) {
                for (int e = (int) Math.floor(Math.log10(min));
                        e <= Math.ceil(Math.log10(max));
                        e++) {
                    for (int m : new int[] {1, 2, 5}) {
                        double t = m * Math.pow(10, e);
                        if (t >= min && t <= max) {
                            ticks.add(t);
                        }
                    }
                }
                if (ticks.size() >= 2) {
                    return ticks.stream().mapToDouble(Double::doubleValue).toArray();
                }
                ticks.clear();
            }
            double raw = (max - min) / 6;
            double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
            double step =
                    Arrays.stream(new double[] {1, 2, 2.5, 5, 10})
                            .map(f -> f * magnitude)
                            .filter(s -> s >= raw)
                            .findFirst()
                            .orElse(10 * magnitude);
            for (double t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
                ticks.add(Math.abs(t) < step * 1e-9 ? 0 : t);
            }
            return ticks.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }
}
