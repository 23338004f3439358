/**
 * Graft's Avro contracts: one record type per Kafka topic plus the shared types they use.
 *
 * <p>The classes in this package are generated at build time from {@code src/main/avro/*.avsc}
 * (never committed); {@link dev.graft.schema.Contracts} is the only hand-written class: it lists
 * the topic record types and loads the released schema versions that readers must keep resolving.
 */
package dev.graft.schema;
