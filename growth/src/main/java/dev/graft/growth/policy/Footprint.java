package dev.graft.growth.policy;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.TensorLayout;

/**
 * What an architecture costs to train, the quantities a {@link Budget} caps.
 *
 * <ul>
 *   <li>parameters: {@link TensorLayout#parameterCount} of the Hub layout, tied tensors once; with
 *       shared layers ({@code num_layer_groups > 0}) only the distinct layer weights count;
 *   <li>memory: {@value #TRAINING_BYTES_PER_PARAMETER} bytes per parameter, the usual estimate for
 *       Adam in mixed precision (weights, gradients, fp32 master copy and two moments), activations
 *       excluded;
 *   <li>FLOPs per token: {@code 6 × parameters} (forward and backward, Kaplan et al. 2020), with
 *       shared layers counted once per layer applied, i.e. as if unshared.
 * </ul>
 *
 * @param parameters distinct parameters
 * @param memoryBytes estimated training memory
 * @param flopsPerToken estimated training FLOPs per token
 */
public record Footprint(long parameters, long memoryBytes, double flopsPerToken) {

    /** Adam, mixed precision: 2 (bf16 weights) + 2 (grads) + 4 (master) + 8 (moments). */
    public static final int TRAINING_BYTES_PER_PARAMETER = 16;

    /** The footprint of {@code arch}. */
    public static Footprint of(ArchSpec arch) {
        long applied = TensorLayout.parameterCount(arch);
        long distinct =
                arch.numLayerGroups() > 0 && arch.numLayerGroups() < arch.numLayers()
                        ? TensorLayout.parameterCount(
                                Ladders.withDepth(arch, arch.numLayerGroups()))
                        : applied;
        return new Footprint(
                distinct,
                Math.multiplyExact(distinct, (long) TRAINING_BYTES_PER_PARAMETER),
                6.0 * applied);
    }
}
