package dev.graft.connectors.topics;

import java.util.Map;
import java.util.Objects;

/**
 * One topic as declared in {@code ops/kafka/topics.yaml}.
 *
 * @param name topic name, e.g. {@code graft.metrics}
 * @param schema full name of the Avro record its values hold, e.g. {@code
 *     dev.graft.schema.TrainingMetric}
 * @param producer who writes it (trainer, ops, a job)
 * @param description what it carries, for people
 * @param partitions partition count on creation
 * @param configs Kafka topic configs applied on creation
 */
public record TopicSpec(
        String name,
        String schema,
        String producer,
        String description,
        int partitions,
        Map<String, String> configs) {

    public TopicSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(
                    "Topic name must be non-blank, found '" + name + "'");
        }
        if (schema == null || schema.isBlank()) {
            throw new IllegalArgumentException(
                    "Topic " + name + ": 'schema' must name an Avro record, found none");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException(
                    "Topic " + name + ": 'partitions' must be >= 1, found " + partitions);
        }
        producer = Objects.requireNonNullElse(producer, "");
        description = Objects.requireNonNullElse(description, "");
        configs = Map.copyOf(Objects.requireNonNullElse(configs, Map.of()));
    }
}
