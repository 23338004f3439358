/**
 * Flink adapters for Graft's Kafka topics: a {@code KafkaSource} deserializer that yields {@link
 * dev.graft.connectors.serde.Decoded} records (dead letters instead of exceptions) and a {@code
 * KafkaSink} serializer that keys every record by its run_id. The formats themselves live in {@code
 * dev.graft.connectors.serde}, which has no Flink imports.
 */
package dev.graft.connectors.kafka;
