/**
 * Growth operators: each first makes a {@link dev.graft.growth.ops.GrowthPlan} (source → target
 * architecture and one readable {@link dev.graft.growth.ops.TensorMapping} per target tensor), then
 * {@link dev.graft.growth.ops.GrowthExecution} applies it tensor by tensor from a {@code
 * TensorSource} to a {@code TensorSink}.
 *
 * <p>One engine serves the width and depth operators: an {@link dev.graft.growth.ops.AxisMap} per
 * axis (which source index each target index copies), a {@link dev.graft.growth.ops.Fill} for new
 * indices and a {@link dev.graft.growth.ops.FanIn} for how a weight is shared among the copies of
 * the input it reads ({@link dev.graft.growth.ops.Remap}). The operators differ only in those
 * choices: {@link dev.graft.growth.ops.HyperCloning} (circular copies, equal splits), {@link
 * dev.graft.growth.ops.LemonExpansion} (copies plus an averaged residue, unequal splits, rescaled
 * norms, cancelling new blocks), {@link dev.graft.growth.ops.CopyPad} (new indices zero or small),
 * {@link dev.graft.growth.ops.IdentityDepth}, {@link dev.graft.growth.ops.Stacking} and {@link
 * dev.graft.growth.ops.Unsharing}. Randomness is counter-based and seeded, so a plan applied twice
 * writes the same bytes.
 *
 * <p>Shrinking uses the same engine with maps that select indices: {@link
 * dev.graft.growth.ops.Shrinking} plans weight subcloning (importance from {@link
 * dev.graft.growth.ops.ActivationImportance}), weight selection (evenly spaced indices) and the
 * weight-norm fallback ({@link dev.graft.growth.ops.WeightMagnitude}). The exact weight mappings
 * and their sources are in {@code research/OPERATORS.md}; {@code docs/operators.md} says what is
 * exact for which family.
 */
package dev.graft.growth.ops;
