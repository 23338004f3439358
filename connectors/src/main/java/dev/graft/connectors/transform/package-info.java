/**
 * Carrying out decisions: the {@link dev.graft.connectors.transform.DecisionExecutor} port the
 * TransformJob calls (plan, write tensor groups, commit once), and its implementation over the
 * checkpoint store and the growth operators. {@link dev.graft.connectors.transform.Splitting} says
 * when a result is written in several groups; {@link dev.graft.growth.ops.TensorGroups} says which
 * tensors go in which.
 */
package dev.graft.connectors.transform;
