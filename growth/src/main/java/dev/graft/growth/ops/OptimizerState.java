package dev.graft.growth.ops;

import dev.graft.growth.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam state beside a checkpoint ({@code optimizer.safetensors}): for each weight {@code W}, the
 * first moment {@code exp_avg.W} and second moment {@code exp_avg_sq.W} (PyTorch's state names
 * before the weight name), plus any other tensors (a {@code step} counter) copied as they are.
 *
 * <p>{@link GrowthOptions.OptimizerStateMode#MAP} maps each moment with its weight's rule, in
 * moments mode: copied wherever the weight is copied or split (a split divides the weight, not its
 * gradient statistics), zero where the weight is invented (residue channels, new rows, cancelling
 * or zero blocks), never rescaled. That is MSG's {@code transfer_states} and StackBERT's {@code
 * --double-optimizer}. The default is {@link GrowthOptions.OptimizerStateMode#RESET}: LEMON,
 * G_stack and StackBERT's published recipes all start a fresh optimizer.
 */
public final class OptimizerState {

    /** The file name beside the model. */
    public static final String FILE_NAME = "optimizer.safetensors";

    /** The moment prefixes. */
    public static final List<String> MOMENTS = List.of("exp_avg.", "exp_avg_sq.");

    private OptimizerState() {}

    /**
     * The mappings that carry {@code optimizerTensors} through {@code plan}; apply them with {@code
     * GrowthExecution.apply(mappings, seed, true, …)}.
     *
     * @throws GrowthPlanException when a moment's shape differs from its weight's
     */
    public static List<TensorMapping> mappings(GrowthPlan plan, List<TensorInfo> optimizerTensors) {
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : optimizerTensors) {
            byName.put(t.name(), t);
        }
        List<TensorMapping> out = new ArrayList<>();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (String prefix : MOMENTS) {
            for (TensorMapping m : plan.mappings()) {
                TensorInfo moment =
                        m.source() == null ? null : byName.get(prefix + m.source().name());
                if (m.source() != null && moment == null) {
                    continue;
                }
                if (moment != null && !moment.hasShape(m.source().shape())) {
                    throw new GrowthPlanException(
                            "optimizer tensor '"
                                    + moment.name()
                                    + "' "
                                    + moment.shapeString()
                                    + " does not have its weight's shape "
                                    + m.source().shapeString());
                }
                if (moment == null
                        && byName.keySet().stream().noneMatch(n -> n.startsWith(prefix))) {
                    continue;
                }
                TensorInfo target =
                        m.target()
                                .withName(prefix + m.target().name())
                                .withDType(moment != null ? moment.dtype() : m.target().dtype());
                out.add(new TensorMapping(target, moment, m.rule()));
                if (moment != null) {
                    used.add(moment.name());
                }
            }
        }
        for (TensorInfo t : optimizerTensors) {
            if (!used.contains(t.name())
                    && MOMENTS.stream().noneMatch(p -> t.name().startsWith(p))) {
                out.add(new TensorMapping(t, t, TensorRule.copy()));
            }
        }
        return out;
    }
}
