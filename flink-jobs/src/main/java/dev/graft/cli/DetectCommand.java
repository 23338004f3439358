package dev.graft.cli;

import dev.graft.connectors.replay.CurveFiles;
import dev.graft.connectors.replay.StepCsv;
import dev.graft.growth.detect.CurveScan;
import dev.graft.growth.detect.DetectionGate;
import dev.graft.growth.detect.DivergenceDetector;
import dev.graft.growth.detect.DivergenceRule;
import dev.graft.growth.detect.Evidence;
import dev.graft.growth.detect.GateRule;
import dev.graft.growth.detect.MetricPoint;
import dev.graft.growth.detect.Mode;
import dev.graft.growth.detect.PlateauRule;
import dev.graft.growth.detect.Signal;
import dev.graft.growth.detect.SignalDetector;
import dev.graft.growth.detect.SmoothedPlateauDetector;
import dev.graft.growth.detect.Smoothing;
import dev.graft.growth.detect.ThresholdMode;
import dev.graft.growth.detect.TrendDetector;
import dev.graft.growth.detect.TrendRule;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code graft detect}: runs Graft's detectors offline over a logged training curve and lists every
 * firing, so thresholds can be tuned on old runs before they act on new ones.
 *
 * <pre>{@code
 * ./graft detect loss.csv                                   # PyTorch ReduceLROnPlateau defaults
 * ./graft detect trainer_state.json --metric eval_loss --patience 2
 * ./graft detect train.log --mode ema,trend --threshold 0.01 --cooldown 20 --json
 * ./graft detect loss.csv --mode rlrop,ema,median,trend --plot loss.png
 * }</pre>
 *
 * <p>Files: {@code *.csv} ({@code step,value}), {@code *.json} (HF {@code trainer_state.json}),
 * anything else a plain-text log (see {@code dev.graft.connectors.replay.TextLog}). Modes (several
 * may be given, comma-separated): {@code rlrop} is PyTorch's ReduceLROnPlateau exactly; {@code ema}
 * and {@code median} apply the same rule to the debiased-EMA or window-median smoothed metric;
 * {@code trend} fires when a least-squares line through the EMA-smoothed metric projects less than
 * {@code --threshold} relative improvement over {@code --horizon} steps. Divergence (NaN, ±Inf, a
 * spike above {@code --spike} times the EMA) is always reported unless {@code --no-divergence}.
 * {@code --patience} and {@code --cooldown} count evaluations as PyTorch does, for every detector.
 * Bad input prints one line naming the file (and line) and exits 2.
 */
@Command(
        name = "detect",
        mixinStandardHelpOptions = true,
        description =
                "Runs the plateau, trend and divergence detectors offline over a logged curve"
                        + " (step,value CSV, HF trainer_state.json or a text log) and lists every"
                        + " firing.")
public final class DetectCommand implements Callable<Integer> {

    /** Exit code for input the command cannot use. */
    public static final int BAD_INPUT = 2;

    private static final Map<String, Color> COLORS =
            Map.of(
                    "rlrop", new Color(0xff7f0e),
                    "ema", new Color(0x1f77b4),
                    "median", new Color(0x9467bd),
                    "trend", new Color(0x2ca02c),
                    "divergence", new Color(0xd62728));

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "CSV, trainer_state.json or log")
    Path file;

    @Option(
            names = "--metric",
            defaultValue = "loss",
            description = "Metric key: loss (default), eval_loss, … (CSV: the one value column).")
    String metric;

    @Option(
            names = "--mode",
            split = ",",
            defaultValue = "rlrop",
            description = "rlrop (default), ema, median, trend; comma-separated for several.")
    List<String> modes;

    @Option(
            names = "--patience",
            defaultValue = "10",
            description = "Bad evaluations tolerated; fires on the (patience+1)-th. Default 10.")
    int patience;

    @Option(
            names = "--threshold",
            description =
                    "Improvement threshold. Default 1e-4 (rlrop/ema/median, as PyTorch) and 0.01"
                            + " relative per --horizon steps (trend).")
    Double threshold;

    @Option(
            names = "--threshold-mode",
            defaultValue = "rel",
            description = "rel (default) or abs, as PyTorch; trend is always relative.")
    String thresholdMode;

    @Option(
            names = "--cooldown",
            defaultValue = "0",
            description = "Evaluations after a firing that cannot count (PyTorch). Default 0.")
    int cooldown;

    @Option(names = "--maximize", description = "Higher is better (mode max), e.g. accuracy.")
    boolean maximize;

    @Option(
            names = "--ema-weight",
            defaultValue = "0.9",
            description = "Debiased EMA weight for ema, trend and spikes. Default 0.9.")
    double emaWeight;

    @Option(
            names = "--median-window",
            defaultValue = "25",
            description = "Values in the median window. Default 25.")
    int medianWindow;

    @Option(
            names = "--trend-window",
            defaultValue = "50",
            description = "Smoothed values the trend line is fitted to. Default 50.")
    int trendWindow;

    @Option(
            names = "--horizon",
            defaultValue = "1000",
            description = "Steps the trend is projected over. Default 1000.")
    long horizon;

    @Option(
            names = "--spike",
            defaultValue = "3",
            description = "Divergence when value > SPIKE x EMA; 'inf' for NaN/Inf only. Default 3.")
    String spike;

    @Option(
            names = "--spike-warmup",
            defaultValue = "20",
            description = "Finite values before a spike can fire. Default 20.")
    int spikeWarmup;

    @Option(names = "--no-divergence", description = "Do not run the divergence detector.")
    boolean noDivergence;

    @Option(
            names = "--warmup-steps",
            defaultValue = "0",
            description = "Growth firings within this many steps of the first are held back.")
    long warmupSteps;

    @Option(names = "--json", description = "Print a JSON array of firings.")
    boolean json;

    @Option(names = "--plot", paramLabel = "PNG", description = "Also render the curve to a PNG.")
    Path plot;

    /**
     * Runs the command on its own ({@code java -cp graft.jar dev.graft.cli.DetectCommand FILE
     * ...}), until {@code GraftCli} registers it as a subcommand.
     */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new DetectCommand()).execute(args));
    }

    /** One firing of one mode, held back by the gate or not. */
    record Firing(String mode, Signal signal, String heldBack) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Map<String, SignalDetector<?>> detectors = detectors();
            Optional<DivergenceDetector> divergence = divergenceDetector();
            StepCsv.Curve curve = CurveFiles.read(file, metric);
            List<MetricPoint> points =
                    curve.points().stream().map(p -> MetricPoint.of(p.step(), p.value())).toList();
            DetectionGate gate = new DetectionGate(new GateRule(warmupSteps, 0, 0, 0));

            Map<String, CurveScan.Result> results = new LinkedHashMap<>();
            for (Map.Entry<String, SignalDetector<?>> d : detectors.entrySet()) {
                results.put(
                        d.getKey(), CurveScan.run(points, d.getValue(), Optional.empty(), gate));
            }
            divergence.ifPresent(
                    d ->
                            results.put(
                                    "divergence",
                                    CurveScan.run(points, d, Optional.empty(), gate)));
            List<Firing> firings = new ArrayList<>();
            results.forEach(
                    (mode, result) -> {
                        result.signals().forEach(s -> firings.add(new Firing(mode, s, null)));
                        result.gated()
                                .forEach(
                                        g ->
                                                firings.add(
                                                        new Firing(
                                                                mode,
                                                                g.signal(),
                                                                g.verdict().name())));
                    });
            firings.sort(Comparator.comparingLong((Firing f) -> f.signal().step()));
            // ties keep the mode order above (a stable sort)

            if (json) {
                out.println(toJson(firings));
            } else {
                printText(out, curve, points, firings);
            }
            if (plot != null) {
                renderPlot(curve, points, results);
            }
            out.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("graft detect: " + e.getMessage());
            err.flush();
            return BAD_INPUT;
        } catch (IOException | UncheckedIOException e) {
            err.println("graft detect: cannot read or write " + file + ": " + e.getMessage());
            err.flush();
            return BAD_INPUT;
        }
    }

    private Map<String, SignalDetector<?>> detectors() {
        Mode mode = maximize ? Mode.MAX : Mode.MIN;
        ThresholdMode tm = ThresholdMode.parse(thresholdMode);
        Map<String, SignalDetector<?>> detectors = new LinkedHashMap<>();
        for (String raw : modes) {
            String name = raw.strip().toLowerCase(Locale.ROOT);
            double plateauThreshold =
                    threshold == null ? PlateauRule.PYTORCH_DEFAULT_THRESHOLD : threshold;
            PlateauRule rule =
                    new PlateauRule(metric, mode, plateauThreshold, tm, patience, cooldown);
            SignalDetector<?> detector =
                    switch (name) {
                        case "rlrop" -> new SmoothedPlateauDetector(rule, Smoothing.none());
                        case "ema" -> new SmoothedPlateauDetector(rule, Smoothing.ema(emaWeight));
                        case "median" ->
                                new SmoothedPlateauDetector(rule, Smoothing.median(medianWindow));
                        case "trend" -> {
                            if (tm == ThresholdMode.ABS) {
                                throw new IllegalArgumentException(
                                        "--mode trend compares a relative improvement; drop"
                                                + " --threshold-mode abs");
                            }
                            yield new TrendDetector(
                                    new TrendRule(
                                            metric,
                                            mode,
                                            Smoothing.ema(emaWeight),
                                            trendWindow,
                                            horizon,
                                            threshold == null ? 0.01 : threshold,
                                            patience,
                                            cooldown));
                        }
                        default ->
                                throw new IllegalArgumentException(
                                        "--mode must be rlrop, ema, median or trend"
                                                + " (comma-separated for several), found '"
                                                + raw
                                                + "'");
                    };
            detectors.put(name, detector);
        }
        return detectors;
    }

    private Optional<DivergenceDetector> divergenceDetector() {
        if (noDivergence) {
            return Optional.empty();
        }
        double factor;
        String s = spike.strip().toLowerCase(Locale.ROOT);
        if (s.equals("inf") || s.equals("infinity")) {
            factor = Double.POSITIVE_INFINITY;
        } else {
            try {
                factor = Double.parseDouble(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--spike must be a number > 1 or 'inf', found '" + spike + "'");
            }
        }
        return Optional.of(
                new DivergenceDetector(
                        new DivergenceRule(
                                metric, factor, Smoothing.ema(emaWeight), spikeWarmup, cooldown)));
    }

    private void printText(
            PrintWriter out, StepCsv.Curve curve, List<MetricPoint> points, List<Firing> firings) {
        out.printf(
                Locale.ROOT,
                "# %s: %d points of '%s'%s%n",
                file.getFileName(),
                points.size(),
                curve.metric(),
                points.isEmpty()
                        ? ""
                        : ", steps "
                                + points.get(0).step()
                                + ".."
                                + points.get(points.size() - 1).step());
        out.printf(
                Locale.ROOT,
                "# modes %s, patience %d, threshold %s %s, cooldown %d%s%n",
                String.join(",", modes),
                patience,
                threshold == null ? "default" : threshold,
                thresholdMode,
                cooldown,
                noDivergence ? "" : ", divergence spike " + spike + "x");
        out.printf(
                Locale.ROOT,
                "%-10s %-10s %-10s %12s %12s %12s  %s%n",
                "step",
                "mode",
                "kind",
                "value",
                "smoothed",
                "best",
                "reason");
        for (Firing f : firings) {
            Evidence e = f.signal().evidence();
            out.printf(
                    Locale.ROOT,
                    "%-10d %-10s %-10s %12s %12s %12s  %s%s%n",
                    f.signal().step(),
                    f.mode(),
                    f.signal().kind(),
                    number(e.last()),
                    number(e.smoothed()),
                    number(e.best()),
                    f.signal().reason(),
                    f.heldBack() == null ? "" : " [held back: " + f.heldBack() + "]");
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        firings.stream()
                .filter(f -> f.heldBack() == null)
                .forEach(f -> counts.merge(f.mode(), 1, Integer::sum));
        long held = firings.stream().filter(f -> f.heldBack() != null).count();
        out.printf(
                Locale.ROOT,
                "# %d firings%s%s%n",
                firings.size() - held,
                counts.isEmpty() ? "" : " " + counts,
                held == 0 ? "" : ", " + held + " held back by --warmup-steps");
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.6g", v);
    }

    /** The firings as a JSON array; non-finite numbers become null. */
    static String toJson(List<Firing> firings) {
        List<Map<String, Object>> array = new ArrayList<>();
        for (Firing f : firings) {
            Signal s = f.signal();
            Evidence e = s.evidence();
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("step", s.step());
            o.put("kind", s.kind().name());
            o.put("mode", f.mode());
            o.put("metric", s.metric());
            o.put("reason", s.reason());
            o.put("held_back", f.heldBack());
            o.put("value", finite(e.last()));
            o.put("smoothed", finite(e.smoothed()));
            o.put("best", finite(e.best()));
            o.put("best_step", e.bestStep() == Evidence.NO_STEP ? null : e.bestStep());
            o.put("mean", finite(e.mean()));
            o.put("slope", finite(e.slope()));
            o.put("projected_improvement", finite(e.projectedImprovement()));
            o.put("threshold", finite(e.threshold()));
            o.put("bad_evaluations", e.badEvaluations());
            o.put("count", e.count());
            o.put("first_step", e.firstStep() == Evidence.NO_STEP ? null : e.firstStep());
            array.add(o);
        }
        try {
            return new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(array);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write firings as JSON", e);
        }
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private void renderPlot(
            StepCsv.Curve curve, List<MetricPoint> points, Map<String, CurveScan.Result> results)
            throws IOException {
        long[] steps = points.stream().mapToLong(MetricPoint::step).toArray();
        double[] values = points.stream().mapToDouble(MetricPoint::value).toArray();
        List<CurvePlot.Series> series = new ArrayList<>();
        series.add(new CurvePlot.Series(curve.metric(), CurvePlot.RAW, steps, values));
        List<CurvePlot.Marks> marks = new ArrayList<>();
        for (Map.Entry<String, CurveScan.Result> r : results.entrySet()) {
            String mode = r.getKey();
            Color color = COLORS.getOrDefault(mode, Color.BLACK);
            boolean emaOfTrend = mode.equals("trend") && !results.containsKey("ema");
            if (mode.equals("ema") || mode.equals("median") || emaOfTrend) {
                series.add(
                        new CurvePlot.Series(
                                !mode.equals("median")
                                        ? "debiased EMA " + emaWeight
                                        : "median of " + medianWindow,
                                COLORS.get(emaOfTrend ? "ema" : mode),
                                steps,
                                r.getValue().points().stream()
                                        .mapToDouble(CurveScan.ScannedPoint::smoothed)
                                        .toArray()));
            }
            marks.add(
                    new CurvePlot.Marks(
                            mode,
                            color,
                            r.getValue().signals().stream().map(Signal::step).toList()));
        }
        CurvePlot.render(plot, file.getFileName() + " — " + curve.metric(), series, marks);
    }
}
