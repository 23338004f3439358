/**
 * Carrying out decisions: the {@link dev.graft.connectors.transform.DecisionExecutor} port the
 * TransformJob calls, and its implementation over the checkpoint store and the growth operators.
 */
package dev.graft.connectors.transform;
