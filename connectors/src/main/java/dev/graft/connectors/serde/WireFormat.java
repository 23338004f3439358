package dev.graft.connectors.serde;

import java.util.Locale;

/**
 * How a record's value is written on a topic. Readers accept both, detected from the first bytes.
 *
 * <pre>{@code
 * TopicCodec<TrainingMetric> json = TopicCodec.of("graft.metrics", TrainingMetric.class)
 *         .withWriteFormat(WireFormat.JSON);
 * }</pre>
 */
public enum WireFormat {
    /**
     * Avro single-object encoding: {@code C3 01}, the 8-byte little-endian CRC-64-AVRO fingerprint
     * of the writer schema, then the Avro binary body. The default.
     */
    AVRO,
    /** One JSON object with the schema's field names (what a Python trainer writes naturally). */
    JSON;

    /** The lower-case name stored in {@code DeadLetter.format}: {@code avro} or {@code json}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
