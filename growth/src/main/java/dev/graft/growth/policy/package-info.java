/**
 * What to grow or shrink to, given a run, its budget and the rules: pure decisions with no Flink or
 * Kafka in sight.
 *
 * <ul>
 *   <li>{@link dev.graft.growth.policy.GrowthLadder}: the sizes a run may take, by factors (LEMON's
 *       experiments double width and depth) or an explicit list, up to a maximum.
 *   <li>{@link dev.graft.growth.policy.Budget} and {@link dev.graft.growth.policy.Footprint}: caps
 *       on parameters, training memory and FLOPs per token, and what an architecture costs.
 *   <li>{@link dev.graft.growth.policy.GrowthPolicy}: at a plateau, when the budget changes, or
 *       when a person asks ({@link dev.graft.growth.policy.CommandRequest}), answers a {@link
 *       dev.graft.growth.policy.PolicyOutcome}: act (grow, shrink, unshare with an operator and a
 *       target), hold, or reject, each with its reason.
 *   <li>{@link dev.graft.growth.policy.DecisionIds}: deterministic decision ids.
 * </ul>
 *
 * <pre>{@code
 * GrowthPolicy policy = new GrowthPolicy(PolicyRule.doubling(3));
 * PolicyOutcome o = policy.onPlateau(new RunFacts(arch, growths, held, budget));
 * }</pre>
 */
package dev.graft.growth.policy;
