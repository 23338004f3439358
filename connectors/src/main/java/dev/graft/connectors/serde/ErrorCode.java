package dev.graft.connectors.serde;

/**
 * Stable, machine-readable reasons a record went to the dead-letter topic ({@code
 * DeadLetter.error.code}). Names never change once released; dashboards and alerts key on them.
 */
public enum ErrorCode {
    /** Single-object Avro header found, but the body could not be decoded (truncated, bad data). */
    MALFORMED_AVRO,
    /** Single-object Avro whose schema fingerprint is not a known version of the expected type. */
    UNKNOWN_SCHEMA,
    /** Neither Avro single-object encoding (0xC3 0x01 ...) nor a JSON object. */
    NOT_SINGLE_OBJECT_OR_JSON,
    /** Starts like JSON but is not a well-formed JSON object. */
    MALFORMED_JSON,
    /** A required field (no default) is absent from a JSON record. */
    MISSING_FIELD,
    /** A JSON record has a field the schema does not define. */
    UNKNOWN_FIELD,
    /** A JSON value has the wrong type for its field (e.g. a string where a long is expected). */
    WRONG_TYPE,
    /** Well-typed but not allowed: a negative step, a blank run_id, an unknown enum symbol, ... */
    INVALID_VALUE,
    /** The value decoded completely but bytes were left over. */
    TRAILING_BYTES,
    /** No value at all: a null (tombstone), zero bytes, or only whitespace. */
    EMPTY_RECORD,
    /** The Kafka key is not the record's run_id. */
    KEY_MISMATCH
}
