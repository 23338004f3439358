package dev.graft.growth.policy;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.policy.PolicyOutcome.Act;
import dev.graft.growth.policy.PolicyOutcome.Hold;
import dev.graft.growth.policy.PolicyOutcome.Reject;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to grow or shrink to: pure rules over {@link RunFacts}, no stream in sight.
 *
 * <h2>At a plateau (or trend) signal, {@link #onPlateau}</h2>
 *
 * <ol>
 *   <li>held by a person → hold;
 *   <li>a model with shared layers ({@code num_layer_groups > 0}) is first <b>unshared</b>
 *       (operator {@code unshare}, same size in FLOPs, more distinct parameters), before any width
 *       growth, if the budget allows it;
 *   <li>{@link PolicyRule#maxGrowths()} reached, or the budget says NEVER → hold;
 *   <li>architecture known: the ladder's next size; hold at the top or when it is over budget;
 *   <li>architecture unknown: grow by the ladder's factors with no target (the transform derives it
 *       from the checkpoint's config.json), unless a budget caps the run (it could not be checked)
 *       or the ladder is an explicit list (a rung needs the source).
 * </ol>
 *
 * <h2>When the budget changes, {@link #onBudget}</h2>
 *
 * Over budget → <b>shrink</b> ({@code subclone}) to the largest ladder size that fits; room for the
 * next size and {@link Budget.GrowWhen#NOW} → grow one rung now; otherwise hold (growth waits for
 * the next plateau, or never).
 *
 * <h2>A person's command, {@link #onCommand}</h2>
 *
 * Acts regardless of holds and growth limits, never above the budget; a target that does not match
 * the change (a "grow" to a smaller model), an unknown operator, or unsharing a model without
 * shared layers is rejected with the reason.
 *
 * <pre>{@code
 * GrowthPolicy policy = new GrowthPolicy(PolicyRule.doubling(3));
 * PolicyOutcome o = policy.onPlateau(new RunFacts(arch, 0, false, Budget.unlimited()));
 * if (o instanceof PolicyOutcome.Act act) decide(act.change(), act.operator(), act.targetArch());
 * }</pre>
 */
public final class GrowthPolicy {
    private final PolicyRule rule;

    /**
     * @param rule the settings
     */
    public GrowthPolicy(PolicyRule rule) {
        this.rule = Objects.requireNonNull(rule, "rule");
    }

    public PolicyRule rule() {
        return rule;
    }

    /** A growth signal fired and the gate is open. */
    public PolicyOutcome onPlateau(RunFacts run) {
        Objects.requireNonNull(run, "run");
        if (run.held()) {
            return new Hold("HELD", "automatic decisions are held by a command until RELEASE");
        }
        ArchSpec arch = run.arch();
        Budget budget = run.budget();
        if (arch != null && arch.numLayerGroups() > 0) {
            ArchSpec untied = Ladders.unshared(arch);
            if (!budget.allows(Footprint.of(untied))) {
                return new Hold(
                        "BUDGET",
                        "unsharing would need "
                                + Footprint.of(untied).parameters()
                                + " parameters, over the budget ("
                                + budget.describe()
                                + ")");
            }
            return new Act(
                    SizeChange.UNSHARE,
                    "unshare",
                    Map.of("num_layer_groups", String.valueOf(arch.numLayerGroups())),
                    arch,
                    untied,
                    "shared layers are untied at the first plateau, before any width growth");
        }
        if (run.growths() >= rule.maxGrowths()) {
            return new Hold(
                    "MAX_GROWTHS",
                    "the run has had "
                            + run.growths()
                            + " growths, the maximum (graft.policy.max-growths) is "
                            + rule.maxGrowths());
        }
        if (budget.growWhen() == Budget.GrowWhen.NEVER) {
            return new Hold("BUDGET", "budget " + budget.budgetId() + " says never grow");
        }
        if (arch == null) {
            if (budget.hasCaps()) {
                return new Hold(
                        "ARCH_UNKNOWN",
                        "a budget caps the run ("
                                + budget.describe()
                                + ") but its architecture is unknown, so a growth could not be"
                                + " checked against it; send CheckpointSaved.arch");
            }
            if (rule.ladder().isExplicit()) {
                return new Hold(
                        "ARCH_UNKNOWN",
                        "an explicit ladder needs the run's architecture; send"
                                + " CheckpointSaved.arch");
            }
            double w = rule.ladder().widthFactor();
            double d = rule.ladder().depthFactor();
            return new Act(
                    SizeChange.GROW,
                    growOperator(w, d),
                    growOptions(w, d),
                    null,
                    null,
                    "grow by the ladder's factors; the transform derives the target from the"
                            + " checkpoint's config.json");
        }
        Optional<ArchSpec> next = rule.ladder().next(arch);
        if (next.isEmpty()) {
            return new Hold(
                    "TOP_OF_LADDER",
                    "no ladder size above hidden "
                            + arch.hiddenSize()
                            + " x "
                            + arch.numLayers()
                            + " layers within the ladder's maximum");
        }
        if (!budget.allows(Footprint.of(next.get()))) {
            return new Hold(
                    "BUDGET",
                    "the next size has "
                            + Footprint.of(next.get()).parameters()
                            + " parameters, over the budget ("
                            + budget.describe()
                            + ")");
        }
        return grow(arch, next.get(), "plateau: the next size of the ladder");
    }

    /** The budget in force changed (or took effect). */
    public PolicyOutcome onBudget(RunFacts run) {
        Objects.requireNonNull(run, "run");
        ArchSpec arch = run.arch();
        Budget budget = run.budget();
        if (arch == null) {
            return new Hold(
                    "ARCH_UNKNOWN",
                    "the run's architecture is unknown, so budget "
                            + budget.budgetId()
                            + " cannot be checked; send CheckpointSaved.arch");
        }
        Footprint now = Footprint.of(arch);
        if (!budget.allows(now)) {
            Optional<ArchSpec> fit = rule.ladder().largestFitting(arch, budget);
            if (fit.isEmpty()) {
                return new Hold(
                        "BUDGET",
                        "the model ("
                                + now.parameters()
                                + " parameters) is over budget "
                                + budget.budgetId()
                                + " ("
                                + budget.describe()
                                + ") and no smaller ladder size fits");
            }
            ArchSpec target = fit.get();
            Map<String, String> options = new LinkedHashMap<>();
            options.put("width_factor", factor((double) target.hiddenSize() / arch.hiddenSize()));
            options.put("depth_factor", factor((double) target.numLayers() / arch.numLayers()));
            return new Act(
                    SizeChange.SHRINK,
                    "subclone",
                    options,
                    arch,
                    target,
                    "over budget "
                            + budget.budgetId()
                            + " ("
                            + budget.describe()
                            + ") with "
                            + now.parameters()
                            + " parameters: shrink to the largest ladder size that fits ("
                            + Footprint.of(target).parameters()
                            + ")");
        }
        if (budget.growWhen() == Budget.GrowWhen.NOW
                && !run.held()
                && run.growths() < rule.maxGrowths()) {
            Optional<ArchSpec> next = rule.ladder().next(arch);
            if (next.isPresent() && budget.allows(Footprint.of(next.get()))) {
                return grow(
                        arch, next.get(), "budget " + budget.budgetId() + " has room: grow now");
            }
        }
        return new Hold("WITHIN_BUDGET", "the model fits budget " + budget.budgetId());
    }

    /** A person asked for a change. */
    public PolicyOutcome onCommand(RunFacts run, CommandRequest request) {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(request, "request");
        if (request.operator() != null
                && !PolicyRule.COMMAND_OPERATORS.contains(request.operator())) {
            return new Reject(
                    "INVALID_COMMAND",
                    "operator must be one of "
                            + PolicyRule.COMMAND_OPERATORS.stream().sorted().toList()
                            + " or null, found '"
                            + request.operator()
                            + "'");
        }
        ArchSpec arch = run.arch();
        ArchSpec target = request.targetArch();
        Budget budget = run.budget();
        switch (request.change()) {
            case UNSHARE -> {
                if (arch != null && arch.numLayerGroups() == 0) {
                    return new Reject(
                            "INVALID_COMMAND",
                            "UNSHARE needs a model with shared layers, but the run's model has"
                                    + " num_layer_groups 0");
                }
                ArchSpec untied = arch == null ? null : Ladders.unshared(arch);
                if (untied != null && !budget.allows(Footprint.of(untied))) {
                    return overBudget(untied, budget);
                }
                return new Act(
                        SizeChange.UNSHARE,
                        orDefault(request.operator(), "unshare"),
                        request.options(),
                        arch,
                        untied,
                        "command: unshare");
            }
            case GROW -> {
                if (target == null && arch != null) {
                    target = rule.ladder().next(arch).orElse(null);
                    if (target == null) {
                        return new Reject(
                                "INVALID_COMMAND",
                                "the run is at the top of the ladder; name a target_arch to grow"
                                        + " beyond it");
                    }
                }
                if (target != null && arch != null && params(target) <= params(arch)) {
                    return new Reject(
                            "INVALID_COMMAND",
                            "GROW to a target of "
                                    + params(target)
                                    + " parameters, not more than the current "
                                    + params(arch)
                                    + "; use SHRINK");
                }
                if (target != null && !budget.allows(Footprint.of(target))) {
                    return overBudget(target, budget);
                }
                if (target == null && budget.hasCaps()) {
                    return new Reject(
                            "BUDGET_EXCEEDED",
                            "a budget caps the run ("
                                    + budget.describe()
                                    + ") and neither the run's architecture nor a target_arch is"
                                    + " known, so the growth cannot be checked against it");
                }
                Map<String, String> options = new LinkedHashMap<>();
                String operator = request.operator();
                if (target != null && arch != null) {
                    double w = (double) target.hiddenSize() / arch.hiddenSize();
                    double d = (double) target.numLayers() / arch.numLayers();
                    options.putAll(growOptions(w, d));
                    operator = orDefault(operator, growOperator(w, d));
                } else if (target == null) {
                    options.putAll(
                            growOptions(rule.ladder().widthFactor(), rule.ladder().depthFactor()));
                    operator =
                            orDefault(
                                    operator,
                                    growOperator(
                                            rule.ladder().widthFactor(),
                                            rule.ladder().depthFactor()));
                } else {
                    operator = orDefault(operator, "lemon");
                }
                options.putAll(request.options());
                return new Act(SizeChange.GROW, operator, options, arch, target, "command: grow");
            }
            case SHRINK -> {
                if (target == null && arch != null) {
                    target =
                            rule.ladder().below(arch).stream()
                                    .filter(a -> budget.allows(Footprint.of(a)))
                                    .findFirst()
                                    .orElse(null);
                    if (target == null) {
                        return new Reject(
                                "INVALID_COMMAND",
                                "no ladder size below the run's model fits the budget; name a"
                                        + " target_arch");
                    }
                }
                if (target != null && arch != null && params(target) >= params(arch)) {
                    return new Reject(
                            "INVALID_COMMAND",
                            "SHRINK to a target of "
                                    + params(target)
                                    + " parameters, not fewer than the current "
                                    + params(arch)
                                    + "; use GROW");
                }
                if (target != null && !budget.allows(Footprint.of(target))) {
                    return overBudget(target, budget);
                }
                Map<String, String> options = new LinkedHashMap<>();
                if (target != null && arch != null) {
                    options.put(
                            "width_factor",
                            factor((double) target.hiddenSize() / arch.hiddenSize()));
                    options.put(
                            "depth_factor", factor((double) target.numLayers() / arch.numLayers()));
                } else if (target == null) {
                    options.put("width_factor", factor(1 / rule.ladder().widthFactor()));
                    options.put("depth_factor", factor(1 / rule.ladder().depthFactor()));
                }
                options.putAll(request.options());
                return new Act(
                        SizeChange.SHRINK,
                        orDefault(request.operator(), "subclone"),
                        options,
                        arch,
                        target,
                        "command: shrink");
            }
            default -> throw new IllegalStateException("unreachable: " + request.change());
        }
    }

    /** {@code auto}: hyperclone for an integer width factor without depth growth, else lemon. */
    String growOperator(double widthFactor, double depthFactor) {
        if (!rule.growOperator().equals("auto")) {
            return rule.growOperator();
        }
        boolean integerWidth = widthFactor >= 2 && widthFactor == Math.rint(widthFactor);
        return integerWidth && depthFactor == 1 ? "hyperclone" : "lemon";
    }

    private Act grow(ArchSpec arch, ArchSpec target, String reason) {
        double w = (double) target.hiddenSize() / arch.hiddenSize();
        double d = (double) target.numLayers() / arch.numLayers();
        return new Act(
                SizeChange.GROW, growOperator(w, d), growOptions(w, d), arch, target, reason);
    }

    private Map<String, String> growOptions(double w, double d) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("width_factor", factor(w));
        options.put("depth_factor", factor(d));
        options.putAll(rule.growOptions());
        return options;
    }

    private static Reject overBudget(ArchSpec target, Budget budget) {
        return new Reject(
                "BUDGET_EXCEEDED",
                "the target has "
                        + Footprint.of(target).parameters()
                        + " parameters, over budget "
                        + budget.budgetId()
                        + " ("
                        + budget.describe()
                        + "); raise the budget first");
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }

    private static long params(ArchSpec a) {
        return Footprint.of(a).parameters();
    }

    /** A factor as options carry it: {@code 2}, {@code 1.5}, {@code 0.5}. */
    static String factor(double f) {
        if (f == Math.rint(f)) {
            return String.valueOf((long) f);
        }
        return String.format(Locale.ROOT, "%.6g", f).replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
