package dev.graft.connectors.kafka;

import org.apache.avro.specific.SpecificRecord;

import java.util.Objects;

/**
 * A decoded record with where it came from, so a later stage that rejects it can still send the
 * dead-letter topic its topic, partition, offset and original bytes.
 *
 * <p>A Flink POJO (public fields, no-arg constructor) so it is serialized field by field, the value
 * with Avro.
 *
 * @param <T> the Avro record type
 */
public final class Sourced<T extends SpecificRecord> {
    public T value;
    public String topic;
    public int partition;
    public long offset;
    public long timestampMs;
    public byte[] key;
    public byte[] bytes;

    public Sourced() {}

    public Sourced(
            T value,
            String topic,
            int partition,
            long offset,
            long timestampMs,
            byte[] key,
            byte[] bytes) {
        this.value = Objects.requireNonNull(value, "value");
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestampMs = timestampMs;
        this.key = key;
        this.bytes = bytes;
    }

    public T value() {
        return value;
    }

    @Override
    public String toString() {
        return topic + "[" + partition + "]@" + offset + " " + value;
    }
}
