package dev.graft.connectors.topics;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Graft's topics, read from {@code ops/kafka/topics.yaml} — the one place topics and their configs
 * are defined. Code finds a topic by the record type it carries, so a rename happens in one file.
 *
 * <pre>{@code
 * TopicCatalog topics = TopicCatalog.load();
 * String metrics = topics.forSchema(TrainingMetric.getClassSchema().getFullName()).name();
 * }</pre>
 */
public final class TopicCatalog {
    /** Where the build puts {@code ops/kafka/topics.yaml} on the classpath. */
    public static final String CLASSPATH_RESOURCE = "graft/ops/topics.yaml";

    private static final int SUPPORTED_VERSION = 1;

    private final List<TopicSpec> topics;
    private final int replicationFactor;

    private TopicCatalog(List<TopicSpec> topics, int replicationFactor) {
        this.topics = List.copyOf(topics);
        this.replicationFactor = replicationFactor;
    }

    /** The catalog shipped with Graft (the build copies {@code ops/kafka/topics.yaml}). */
    public static TopicCatalog load() {
        try (InputStream in =
                TopicCatalog.class.getClassLoader().getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        "Topic catalog "
                                + CLASSPATH_RESOURCE
                                + " is not on the classpath; the build copies it from"
                                + " ops/kafka/topics.yaml. Rebuild with mvn package.");
            }
            return parse(in, CLASSPATH_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + CLASSPATH_RESOURCE, e);
        }
    }

    /** A catalog from a file, e.g. an edited copy of {@code ops/kafka/topics.yaml}. */
    public static TopicCatalog load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read topic catalog " + file, e);
        }
    }

    static TopicCatalog parse(InputStream in, String origin) throws IOException {
        ObjectMapper yaml =
                new ObjectMapper(new YAMLFactory())
                        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        CatalogFile file;
        try {
            file = yaml.readValue(in, CatalogFile.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "Topic catalog " + origin + " is not valid: " + e.getMessage(), e);
        }
        if (file == null || file.version != SUPPORTED_VERSION) {
            throw new IllegalArgumentException(
                    "Topic catalog "
                            + origin
                            + ": expected 'version: "
                            + SUPPORTED_VERSION
                            + "', found "
                            + (file == null ? "an empty file" : "version " + file.version));
        }
        if (file.replicationFactor < 1) {
            throw new IllegalArgumentException(
                    "Topic catalog "
                            + origin
                            + ": 'replication-factor' must be >= 1, found "
                            + file.replicationFactor);
        }
        List<TopicSpec> specs = new ArrayList<>();
        Map<String, String> names = new LinkedHashMap<>();
        Map<String, String> schemas = new LinkedHashMap<>();
        for (TopicEntry t : Optional.ofNullable(file.topics).orElse(List.of())) {
            TopicSpec spec =
                    new TopicSpec(
                            t.name, t.schema, t.producer, t.description, t.partitions, t.configs);
            if (names.put(spec.name(), spec.schema()) != null) {
                throw new IllegalArgumentException(
                        "Topic catalog "
                                + origin
                                + ": topic "
                                + spec.name()
                                + " is declared twice");
            }
            String other = schemas.put(spec.schema(), spec.name());
            if (other != null) {
                throw new IllegalArgumentException(
                        "Topic catalog "
                                + origin
                                + ": schema "
                                + spec.schema()
                                + " is used by both "
                                + other
                                + " and "
                                + spec.name()
                                + "; each record type has one topic");
            }
            specs.add(spec);
        }
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("Topic catalog " + origin + " declares no topics");
        }
        return new TopicCatalog(specs, file.replicationFactor);
    }

    /** All topics, in file order. */
    public List<TopicSpec> topics() {
        return Collections.unmodifiableList(topics);
    }

    /** Replication factor for a production cluster; the embedded broker uses 1. */
    public int replicationFactor() {
        return replicationFactor;
    }

    /** The topic that carries records of the given Avro full name. */
    public TopicSpec forSchema(String schemaFullName) {
        return topics.stream()
                .filter(t -> t.schema().equals(schemaFullName))
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "No topic carries "
                                                + schemaFullName
                                                + "; declared schemas: "
                                                + topics.stream().map(TopicSpec::schema).toList()));
    }

    /** The topic with this name. */
    public TopicSpec named(String name) {
        return topics.stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "Unknown topic '"
                                                + name
                                                + "'; Graft's topics are "
                                                + topics.stream().map(TopicSpec::name).toList()));
    }

    @JsonIgnoreProperties(ignoreUnknown = false)
    private static final class CatalogFile {
        @JsonProperty("version")
        int version;

        @JsonProperty("replication-factor")
        int replicationFactor = 1;

        @JsonProperty("topics")
        List<TopicEntry> topics;
    }

    private static final class TopicEntry {
        @JsonProperty("name")
        String name;

        @JsonProperty("schema")
        String schema;

        @JsonProperty("producer")
        String producer;

        @JsonProperty("description")
        String description;

        @JsonProperty("partitions")
        int partitions;

        @JsonProperty("configs")
        Map<String, String> configs;
    }
}
