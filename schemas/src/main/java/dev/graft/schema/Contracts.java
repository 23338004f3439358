package dev.graft.schema;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The record types that travel on Graft's topics, and the released versions of their schemas.
 *
 * <p>Every topic carries exactly one of {@link #TOPIC_RECORDS}. A schema is released when a Graft
 * version ships; its fully resolved JSON ({@code getClassSchema().toString(true)}) is kept as a
 * resource at {@code graft/released/<version>/<SimpleName>.avsc} and never edited again. Readers
 * resolve data written with any released schema, and {@code SchemaCompatibilityTest} proves the
 * current schemas stay compatible with every release in both directions.
 *
 * <pre>{@code
 * Schema current = Contracts.currentSchema(TrainingMetric.class);
 * List<Schema> writers = Contracts.writerSchemas(TrainingMetric.class); // current + released
 * }</pre>
 */
public final class Contracts {

    /** Record types written to a topic, one per topic (see {@code ops/kafka/topics.yaml}). */
    public static final List<Class<? extends SpecificRecord>> TOPIC_RECORDS =
            List.of(
                    TrainingMetric.class,
                    CheckpointSaved.class,
                    BudgetChange.class,
                    GrowthCommand.class,
                    GrowthDecision.class,
                    CheckpointPublished.class,
                    TransformProgress.class,
                    DeadLetter.class);

    /** Released Graft versions whose schemas readers must still understand, oldest first. */
    public static final List<String> RELEASES = List.of("0.1.0");

    private static final String RELEASED_ROOT = "graft/released/";

    private Contracts() {}

    /** The schema of a generated record class, as compiled into this build. */
    public static Schema currentSchema(Class<? extends SpecificRecord> recordClass) {
        return SpecificData.get().getSchema(recordClass);
    }

    /** Classpath resource path of a released schema, e.g. {@code graft/released/0.1.0/X.avsc}. */
    public static String releasedResource(String version, Class<? extends SpecificRecord> type) {
        return RELEASED_ROOT + version + "/" + type.getSimpleName() + ".avsc";
    }

    /**
     * The schema of {@code recordClass} as released in {@code version}, or empty when that release
     * did not have the type.
     *
     * @throws IllegalStateException if the resource exists but is not a valid schema of that type
     */
    public static Optional<Schema> releasedSchema(
            String version, Class<? extends SpecificRecord> recordClass) {
        String resource = releasedResource(version, recordClass);
        ClassLoader loader = Contracts.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                return Optional.empty();
            }
            Schema schema =
                    new Schema.Parser()
                            .parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            String expected = currentSchema(recordClass).getFullName();
            if (!schema.getFullName().equals(expected)) {
                throw new IllegalStateException(
                        "Released schema "
                                + resource
                                + " is a "
                                + schema.getFullName()
                                + ", expected "
                                + expected
                                + "; restore the file from the release tag.");
            }
            return Optional.of(schema);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read released schema " + resource, e);
        } catch (RuntimeException e) {
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException(
                    "Released schema "
                            + resource
                            + " is not a valid Avro schema: "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * Every schema a producer may have written {@code recordClass} with: the current one first,
     * then each release that had the type, newest first.
     */
    public static List<Schema> writerSchemas(Class<? extends SpecificRecord> recordClass) {
        List<Schema> schemas = new ArrayList<>();
        schemas.add(currentSchema(recordClass));
        for (int i = RELEASES.size() - 1; i >= 0; i--) {
            releasedSchema(RELEASES.get(i), recordClass).ifPresent(schemas::add);
        }
        return List.copyOf(schemas);
    }

    /** The 64-bit Rabin (CRC-64-AVRO) fingerprint of a schema's parsing canonical form. */
    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }
}
