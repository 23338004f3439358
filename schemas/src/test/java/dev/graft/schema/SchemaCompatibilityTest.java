package dev.graft.schema;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every topic schema stays compatible with every released copy, in both directions: a new reader
 * reads data old producers wrote (backward), and an old reader still running somewhere reads data
 * new producers write (forward). Released copies live in {@code
 * src/main/resources/graft/released/<version>/} and are never edited.
 */
class SchemaCompatibilityTest {

    @Test
    void everyTopicRecordHasACopyInTheFirstRelease() {
        for (Class<? extends SpecificRecord> type : Contracts.TOPIC_RECORDS) {
            assertThat(Contracts.releasedSchema("0.1.0", type))
                    .as(Contracts.releasedResource("0.1.0", type))
                    .isPresent();
        }
    }

    @TestFactory
    Stream<DynamicTest> currentSchemasAreCompatibleWithEveryRelease() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String version : Contracts.RELEASES) {
            for (Class<? extends SpecificRecord> type : Contracts.TOPIC_RECORDS) {
                Schema current = Contracts.currentSchema(type);
                Contracts.releasedSchema(version, type)
                        .ifPresent(
                                released ->
                                        tests.add(
                                                DynamicTest.dynamicTest(
                                                        type.getSimpleName() + " vs " + version,
                                                        () ->
                                                                assertCompatible(
                                                                        type.getSimpleName(),
                                                                        version,
                                                                        current,
                                                                        released))));
            }
        }
        return tests.stream();
    }

    @Test
    void anIncompatibleChangeIsReportedWithTheSchemaNameAndTheReason() {
        Schema released = Contracts.releasedSchema("0.1.0", TrainingMetric.class).orElseThrow();
        // A new required field without a default: new readers cannot read old data.
        Schema broken =
                new Schema.Parser()
                        .parse(
                                released.toString()
                                        .replace(
                                                "\"fields\":[",
                                                "\"fields\":[{\"name\":\"epoch\",\"type\":\"int\","
                                                        + "\"doc\":\"x\"},"));
        List<String> problems = incompatibilities(broken, released);
        assertThat(problems).isNotEmpty();
        assertThat(String.join("\n", problems)).contains("epoch");
    }

    @Test
    void everyRecordFieldAndEnumIsDocumented() {
        List<String> undocumented = new ArrayList<>();
        for (Class<? extends SpecificRecord> type : Contracts.TOPIC_RECORDS) {
            collectUndocumented(
                    Contracts.currentSchema(type), "", undocumented, new IdentityHashMap<>());
        }
        assertThat(undocumented)
                .as("records, fields and enums without a doc (add \"doc\" to the .avsc)")
                .isEmpty();
    }

    private static void assertCompatible(
            String name, String version, Schema current, Schema released) {
        List<String> problems = new ArrayList<>();
        for (String p : incompatibilities(current, released)) {
            problems.add("new reader cannot read " + version + " data: " + p);
        }
        for (String p : incompatibilities(released, current)) {
            problems.add(version + " reader cannot read new data: " + p);
        }
        if (!problems.isEmpty()) {
            fail(
                    name
                            + " is not compatible with its "
                            + version
                            + " release ("
                            + problems.size()
                            + " problems):\n  "
                            + String.join("\n  ", problems)
                            + "\nMake the change compatible (new fields need defaults; never"
                            + " remove a field without a default, rename without an alias or"
                            + " remove an enum symbol) or plan a new topic.");
        }
    }

    private static List<String> incompatibilities(Schema reader, Schema writer) {
        SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return List.of();
        }
        return result.getResult().getIncompatibilities().stream()
                .map(SchemaCompatibilityTest::describe)
                .collect(Collectors.toList());
    }

    private static String describe(Incompatibility i) {
        return i.getType() + " at " + i.getLocation() + ": " + i.getMessage();
    }

    private static void collectUndocumented(
            Schema schema, String path, List<String> out, Map<Schema, Boolean> seen) {
        switch (schema.getType()) {
            case RECORD:
                if (seen.put(schema, Boolean.TRUE) != null) {
                    return;
                }
                if (isBlank(schema.getDoc())) {
                    out.add("record " + schema.getFullName());
                }
                for (Schema.Field field : schema.getFields()) {
                    String fieldPath = schema.getName() + "." + field.name();
                    if (isBlank(field.doc())) {
                        out.add("field " + fieldPath);
                    }
                    collectUndocumented(field.schema(), fieldPath, out, seen);
                }
                break;
            case ENUM:
                if (seen.put(schema, Boolean.TRUE) == null && isBlank(schema.getDoc())) {
                    out.add("enum " + schema.getFullName() + " (used by " + path + ")");
                }
                break;
            case UNION:
                for (Schema branch : schema.getTypes()) {
                    collectUndocumented(branch, path, out, seen);
                }
                break;
            case ARRAY:
                collectUndocumented(schema.getElementType(), path + "[]", out, seen);
                break;
            case MAP:
                collectUndocumented(schema.getValueType(), path + "{}", out, seen);
                break;
            default:
                break;
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
