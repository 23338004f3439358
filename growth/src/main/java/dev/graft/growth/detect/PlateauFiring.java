package dev.graft.growth.detect;

/**
 * The evidence of one firing: where PyTorch's {@code ReduceLROnPlateau} would have called {@code
 * _reduce_lr}, and the statistics a person needs to see why.
 *
 * @param step the step of the evaluation that fired
 * @param value the value evaluated at {@code step}
 * @param best the best value so far, which {@code value} and the evaluations before it failed to
 *     improve on
 * @param bestStep the step at which {@code best} was seen
 * @param badEvaluations the count of consecutive bad evaluations that fired the rule: {@code
 *     patience + 1} (the state after the firing has it back at 0)
 * @param evaluations the finite values evaluated so far, this one included
 * @param firstStep the step of the first value evaluated
 * @param mean the mean of the finite values evaluated so far, this one included
 */
public record PlateauFiring(
        long step,
        double value,
        double best,
        long bestStep,
        int badEvaluations,
        long evaluations,
        long firstStep,
        double mean) {}
