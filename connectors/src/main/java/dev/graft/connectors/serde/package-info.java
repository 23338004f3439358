/**
 * Kafka value formats for Graft's topics, validation, and the dead-letter path; pure Java plus Avro
 * and Jackson, no Flink (the Flink adapters live in {@code dev.graft.connectors.kafka}).
 *
 * <p>{@link dev.graft.connectors.serde.TopicCodec} is the entry point: it writes Avro single-object
 * encoding (or JSON with the same field names), reads either, resolves released schema versions,
 * validates with {@link dev.graft.connectors.serde.RecordValidator}, and returns a {@link
 * dev.graft.connectors.serde.Decoded} that is either a valid record or a {@code DeadLetter} with a
 * stable {@link dev.graft.connectors.serde.ErrorCode}. Nothing is dropped silently and nothing bad
 * in the input makes decoding throw.
 */
package dev.graft.connectors.serde;
