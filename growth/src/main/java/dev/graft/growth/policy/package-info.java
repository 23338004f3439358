/**
 * What to grow or shrink to, given a run, its budget and the rules: pure decisions with no Flink or
 * Kafka in sight. Decisions are values with deterministic ids ({@link
 * dev.graft.growth.policy.DecisionIds}).
 */
package dev.graft.growth.policy;
