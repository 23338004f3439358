package dev.graft.growth.ops;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How training should continue from a grown checkpoint, as the operator's paper recommends; carried
 * in the manifest ({@code schedule.*} operator options). Factors are relative to the run's own
 * schedule, so they hold whatever learning rate the trainer used.
 *
 * <p>LEMON: keep the maximum learning rate and decay faster — its reference BERT run trains the
 * grown model for 132 k of the 220 k steps a model trained from scratch gets ({@code
 * decay_steps_factor = 0.6}); its ViT run 130 of 300 epochs.
 *
 * @param maxLrFactor the grown run's peak learning rate ÷ the source run's
 * @param decayStepsFactor the grown run's decay length ÷ the length a from-scratch run would use
 * @param warmupSteps re-warm-up steps; 0 to jump straight to the peak
 * @param minLrRatio the floor of the decay as a fraction of the peak
 * @param resetOptimizer whether the recipe starts a fresh optimizer
 * @param source where the numbers come from
 */
public record ContinuationSchedule(
        double maxLrFactor,
        double decayStepsFactor,
        long warmupSteps,
        double minLrRatio,
        boolean resetOptimizer,
        String source) {

    public ContinuationSchedule {
        Objects.requireNonNull(source, "source");
        if (!(maxLrFactor > 0)
                || !(decayStepsFactor > 0)
                || warmupSteps < 0
                || !(minLrRatio >= 0 && minLrRatio <= 1)) {
            throw new IllegalArgumentException(
                    "schedule needs max_lr_factor > 0, decay_steps_factor > 0, warmup_steps ≥ 0"
                            + " and 0 ≤ min_lr_ratio ≤ 1; got "
                            + toMap());
        }
    }

    /** The published recipe of {@code operator}. */
    public static ContinuationSchedule recommended(GrowthOperator operator) {
        return switch (operator) {
            case LEMON ->
                    new ContinuationSchedule(
                            1.0,
                            0.6,
                            5000,
                            0.1,
                            true,
                            "LEMON (arXiv 2310.07999): keep the max LR, decay faster; lemon-pytorch"
                                    + " BERT 132k of 220k steps, cosine to 0.1×max");
            case HYPERCLONE ->
                    new ContinuationSchedule(
                            1.0,
                            1.0,
                            0,
                            0.1,
                            true,
                            "HyperCloning (arXiv 2409.12903): the random-init baseline's"
                                    + " hyper-parameters");
            case STACK ->
                    new ContinuationSchedule(
                            1.0,
                            1.0,
                            3000,
                            0.1,
                            true,
                            "G_stack (arXiv 2405.15319): fresh AdamW, 3000 warm-up steps, cosine to"
                                    + " 0.1×max");
            case IDENTITY_DEPTH, PAD, UNSHARE ->
                    new ContinuationSchedule(
                            1.0,
                            1.0,
                            0,
                            0.1,
                            true,
                            "no published recipe: continue the run's schedule");
            case SUBCLONE, MAGNITUDE ->
                    new ContinuationSchedule(
                            1.0,
                            1.0,
                            0,
                            0.1,
                            true,
                            "weight subcloning (arXiv 2312.09299): Adam + cosine, a low LR (GPT-2:"
                                    + " 1e-4, wd 0.001; ViT 1e-4 where random init needs 2e-3) —"
                                    + " a high LR forgets what the parent knew");
            case SELECT ->
                    new ContinuationSchedule(
                            1.0,
                            1.0,
                            0,
                            0.1,
                            true,
                            "weight selection (arXiv 2311.18823): the from-scratch recipe");
        };
    }

    /**
     * This schedule with {@code overrides} ({@code max_lr_factor}, {@code decay_steps_factor},
     * {@code warmup_steps}, {@code min_lr_ratio}, {@code reset_optimizer}) applied.
     */
    public ContinuationSchedule with(Map<String, String> overrides) {
        double lr = maxLrFactor;
        double decay = decayStepsFactor;
        long warm = warmupSteps;
        double min = minLrRatio;
        boolean reset = resetOptimizer;
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String v = e.getValue().trim();
            try {
                switch (e.getKey()) {
                    case "max_lr_factor" -> lr = Double.parseDouble(v);
                    case "decay_steps_factor" -> decay = Double.parseDouble(v);
                    case "warmup_steps" -> warm = Long.parseLong(v);
                    case "min_lr_ratio" -> min = Double.parseDouble(v);
                    case "reset_optimizer" -> reset = Boolean.parseBoolean(v);
                    default ->
                            throw new IllegalArgumentException(
                                    "schedule key '"
                                            + e.getKey()
                                            + "' is unknown; expected max_lr_factor,"
                                            + " decay_steps_factor, warmup_steps, min_lr_ratio,"
                                            + " reset_optimizer");
                }
            } catch (NumberFormatException x) {
                throw new IllegalArgumentException(
                        "schedule " + e.getKey() + " is '" + v + "'; expected a number");
            }
        }
        return new ContinuationSchedule(
                lr,
                decay,
                warm,
                min,
                reset,
                overrides.isEmpty() ? source : source + " (overridden)");
    }

    /** The schedule as manifest operator options under {@code schedule.}. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("schedule.max_lr_factor", fmt(maxLrFactor));
        m.put("schedule.decay_steps_factor", fmt(decayStepsFactor));
        m.put("schedule.warmup_steps", Long.toString(warmupSteps));
        m.put("schedule.min_lr_ratio", fmt(minLrRatio));
        m.put("schedule.reset_optimizer", Boolean.toString(resetOptimizer));
        m.put("schedule.source", source);
        return m;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
