package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.tensor.TensorInfo;

import java.util.List;

/**
 * One entry point for every operator: {@code plan(operator, arch, tensors, target, factor,
 * options)}. ALBERT, which Graft reads only to unshare, has its own entry ({@link
 * Unsharing#planAlbert}).
 */
public final class GrowthPlanner {

    private GrowthPlanner() {}

    /**
     * Plans {@code operator} on a source of architecture {@code source} holding {@code tensors}.
     *
     * @param factor multiplies the sizes {@code target} leaves open (width for lemon, hyperclone
     *     and pad; layers for identity-depth and stack); 0 for none
     * @throws GrowthPlanException when the target is impossible, with what would work
     */
    public static GrowthPlan plan(
            GrowthOperator operator,
            ArchSpec source,
            List<TensorInfo> tensors,
            GrowthTarget target,
            int factor,
            GrowthOptions options) {
        if (factor < 0) {
            throw new GrowthPlanException(
                    "--factor is " + factor + "; expected a positive integer");
        }
        return switch (operator) {
            case LEMON -> LemonExpansion.plan(source, tensors, target, factor, options);
            case HYPERCLONE -> HyperCloning.plan(source, tensors, target, factor, options);
            case PAD -> CopyPad.plan(source, tensors, target, factor, options);
            case IDENTITY_DEPTH -> IdentityDepth.plan(source, tensors, target, factor, options);
            case STACK -> Stacking.plan(source, tensors, target, factor, options);
            case SELECT ->
                    Shrinking.plan(
                            operator,
                            source,
                            tensors,
                            target,
                            null,
                            Shrinking.Settings.defaults(),
                            options);
            case SUBCLONE, MAGNITUDE ->
                    throw new GrowthPlanException(
                            operator
                                    + " ranks by importance, which needs the weights' values"
                                    + " (magnitude: WeightMagnitude.of) or calibration tokens"
                                    + " (subclone: ActivationImportance.measure); call"
                                    + " Shrinking.plan with it");
            case UNSHARE ->
                    throw new GrowthPlanException(
                            "unshare reads its shared layers from config.json; use"
                                    + " Unsharing.plan or Unsharing.planAlbert");
        };
    }
}
