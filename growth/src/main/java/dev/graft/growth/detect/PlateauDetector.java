package dev.graft.growth.detect;

import dev.graft.growth.detect.PlateauEvaluation.Outcome;

import java.util.Objects;
import java.util.Optional;

/**
 * Detects a plateau exactly as PyTorch's {@code torch.optim.lr_scheduler.ReduceLROnPlateau} decides
 * to reduce the learning rate: it "fires" where {@code ReduceLROnPlateau.step(value)} would call
 * {@code _reduce_lr}.
 *
 * <p>Pure and immutable: it holds only its {@link PlateauRule}; the state travels through {@link
 * #evaluate} and back, so one detector serves any number of (run, generation, metric) keys and can
 * be shared between threads.
 *
 * <h2>Semantics</h2>
 *
 * One evaluation of a finite value, in PyTorch's order:
 *
 * <ol>
 *   <li>if {@link PlateauRule#isBetter rule.isBetter(value, best)}: {@code best = value}, {@code
 *       bad = 0}; else {@code bad += 1}
 *   <li>if in cooldown ({@code cooldownRemaining > 0}): {@code cooldownRemaining -= 1}, {@code bad
 *       = 0} (bad evaluations during a cooldown are ignored)
 *   <li>if {@code bad > patience}: <b>fire</b>, {@code cooldownRemaining = cooldown}, {@code bad =
 *       0}
 * </ol>
 *
 * So the rule fires on the {@code (patience + 1)}-th consecutive evaluation without improvement,
 * and after firing the next {@code cooldown} evaluations cannot count as bad: with a value that
 * never improves it fires every {@code cooldown + patience + 1} evaluations.
 *
 * <p><b>One difference from PyTorch, by design:</b> a NaN or infinite value does not enter the
 * logic at all. {@code evaluate} returns the state unchanged with outcome {@link
 * Outcome#SKIPPED_NON_FINITE}: divergence is its own signal in Graft (another detector's job) and
 * must never be taken for a plateau, nor hide one. PyTorch would count a NaN as a bad epoch (moving
 * it towards a reduction) and, in min mode, take {@code -inf} as a best that nothing can beat
 * afterwards.
 *
 * <h2>Worked example</h2>
 *
 * PyTorch's docs: "if {@code patience = 2}, then we will ignore the first 2 epochs with no
 * improvement, and will only decrease the LR after the 3rd epoch if the loss still hasn't improved
 * then." With {@code PlateauRule("val_loss", MIN, 1e-4, REL, 2, 0)}:
 *
 * <table>
 *   <caption>patience = 2: fires on the 3rd bad evaluation</caption>
 *   <tr><th>step</th><th>value</th><th>best after</th><th>bad after</th><th>outcome</th></tr>
 *   <tr><td>1</td><td>1.00</td><td>1.00</td><td>0</td><td>IMPROVED (anything beats +inf)</td></tr>
 *   <tr><td>2</td><td>0.99</td><td>0.99</td><td>0</td><td>IMPROVED</td></tr>
 *   <tr><td>3</td><td>0.99</td><td>0.99</td><td>1</td><td>NOT_IMPROVED (1st bad)</td></tr>
 *   <tr><td>4</td><td>1.20</td><td>0.99</td><td>2</td><td>NOT_IMPROVED (2nd bad)</td></tr>
 *   <tr><td>5</td><td>0.98999</td><td>0.99</td><td>0</td>
 *       <td>FIRED (3rd bad: 0.98999 is not below 0.99 * (1 - 1e-4) = 0.989901)</td></tr>
 *   <tr><td>6</td><td>0.95</td><td>0.95</td><td>0</td><td>IMPROVED</td></tr>
 * </table>
 *
 * In code:
 *
 * <pre>{@code
 * PlateauDetector detector =
 *         new PlateauDetector(new PlateauRule("val_loss", Mode.MIN, 1e-4, ThresholdMode.REL, 2, 0));
 * PlateauState state = detector.initialState();
 * for (MetricPoint point : points) {
 *     PlateauEvaluation evaluation = detector.evaluate(state, point.step(), point.value());
 *     state = evaluation.state();
 *     evaluation.firing().ifPresent(firing -> grow(firing));  // at step 5 above
 * }
 * }</pre>
 */
public final class PlateauDetector {

    private final PlateauRule rule;

    /**
     * @param rule the settings; not null
     */
    public PlateauDetector(PlateauRule rule) {
        this.rule = Objects.requireNonNull(rule, "rule");
    }

    /** The settings this detector applies. */
    public PlateauRule rule() {
        return rule;
    }

    /** {@link PlateauState#initial(Mode)} for this rule's mode. */
    public PlateauState initialState() {
        return PlateauState.initial(rule.mode());
    }

    /**
     * Evaluates one value, as one call of PyTorch's {@code ReduceLROnPlateau.step(value)} (see the
     * class documentation for the algorithm and the one difference, non-finite values).
     *
     * @param state the state returned by the previous evaluation, or {@link #initialState()}
     * @param step the step of {@code value}; recorded, not interpreted
     * @param value the metric's value at {@code step}
     * @return the next state, the outcome and, when the rule fired, the firing's evidence
     * @throws IllegalArgumentException if {@code state} is the initial state of the other mode
     */
    public PlateauEvaluation evaluate(PlateauState state, long step, double value) {
        Objects.requireNonNull(state, "state");
        if (!state.hasEvaluations() && state.best() == -rule.mode().worst()) {
            // Every comparison against the wrong infinity is false: such a state would never
            // improve and would fire after patience + 1 evaluations, whatever the values.
            throw new IllegalArgumentException(
                    "PlateauState starts with best = "
                            + state.best()
                            + ", the initial state for the other mode, but rule for metric '"
                            + rule.metric()
                            + "' has mode "
                            + rule.mode()
                            + ": start from detector.initialState() or PlateauState.initial("
                            + rule.mode()
                            + ")");
        }
        if (!Double.isFinite(value)) {
            return new PlateauEvaluation(state, Outcome.SKIPPED_NON_FINITE, Optional.empty());
        }

        double best = state.best();
        long bestStep = state.bestStep();
        int badEvaluations;
        boolean improved = rule.isBetter(value, best);
        if (improved) {
            best = value;
            bestStep = step;
            badEvaluations = 0;
        } else {
            // Saturate rather than wrap: only reachable with patience == Integer.MAX_VALUE.
            badEvaluations =
                    state.badEvaluations() == Integer.MAX_VALUE
                            ? Integer.MAX_VALUE
                            : state.badEvaluations() + 1;
        }

        int cooldownRemaining = state.cooldownRemaining();
        boolean inCooldown = cooldownRemaining > 0;
        if (inCooldown) {
            cooldownRemaining -= 1;
            badEvaluations = 0; // bad evaluations during a cooldown are ignored
        }

        long evaluations = state.evaluations() + 1;
        long firstStep = state.hasEvaluations() ? state.firstStep() : step;
        double sum = state.sum() + value;

        Optional<PlateauFiring> firing = Optional.empty();
        if (badEvaluations > rule.patience()) {
            firing =
                    Optional.of(
                            new PlateauFiring(
                                    step,
                                    value,
                                    best,
                                    bestStep,
                                    badEvaluations,
                                    evaluations,
                                    firstStep,
                                    sum / evaluations));
            cooldownRemaining = rule.cooldown();
            badEvaluations = 0;
        }

        PlateauState next =
                new PlateauState(
                        best,
                        bestStep,
                        badEvaluations,
                        cooldownRemaining,
                        evaluations,
                        firstStep,
                        step,
                        value,
                        sum,
                        state.firings() + (firing.isPresent() ? 1 : 0));
        Outcome outcome;
        if (firing.isPresent()) {
            outcome = Outcome.FIRED;
        } else if (improved) {
            outcome = Outcome.IMPROVED;
        } else if (inCooldown) {
            outcome = Outcome.IN_COOLDOWN;
        } else {
            outcome = Outcome.NOT_IMPROVED;
        }
        return new PlateauEvaluation(next, outcome, firing);
    }

    @Override
    public String toString() {
        return "PlateauDetector[" + rule + "]";
    }
}
