package dev.graft.connectors.kafka;

import dev.graft.schema.DeadLetter;

import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

import java.util.Map;

/**
 * What a Graft Kafka source emits for each record: the decoded, validated record with its origin,
 * or the dead letter saying why it could not be used. Exactly one of the two is set.
 *
 * <p>A Flink POJO with explicit {@link #typeInfo type information}, so both variants are serialized
 * with Avro, never with Kryo.
 */
public final class Incoming<T extends SpecificRecord> {
    public Sourced<T> record;
    public DeadLetter deadLetter;

    public Incoming() {}

    public static <T extends SpecificRecord> Incoming<T> of(Sourced<T> record) {
        Incoming<T> incoming = new Incoming<>();
        incoming.record = record;
        return incoming;
    }

    public static <T extends SpecificRecord> Incoming<T> rejected(DeadLetter deadLetter) {
        Incoming<T> incoming = new Incoming<>();
        incoming.deadLetter = deadLetter;
        return incoming;
    }

    public boolean isRecord() {
        return record != null;
    }

    /** Type information for {@code Incoming<T>} of an Avro-generated record class. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <T extends SpecificRecord> TypeInformation<Incoming<T>> typeInfo(
            Class<T> recordClass) {
        TypeInformation<Incoming> info =
                Types.POJO(
                        Incoming.class,
                        Map.of(
                                "record",
                                sourcedTypeInfo(recordClass),
                                "deadLetter",
                                new AvroTypeInfo<>(DeadLetter.class)));
        return (TypeInformation) info;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <T extends SpecificRecord> TypeInformation<T> avroTypeInfo(
            Class<T> recordClass) {
        if (!SpecificRecordBase.class.isAssignableFrom(recordClass)) {
            throw new IllegalArgumentException(
                    "expected an Avro-generated record class, found " + recordClass.getName());
        }
        return new AvroTypeInfo(recordClass);
    }

    /** Type information for {@code Sourced<T>} of an Avro-generated record class. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <T extends SpecificRecord> TypeInformation<Sourced<T>> sourcedTypeInfo(
            Class<T> recordClass) {
        TypeInformation<Sourced> info =
                Types.POJO(
                        Sourced.class,
                        Map.of(
                                "value", avroTypeInfo(recordClass),
                                "topic", Types.STRING,
                                "partition", Types.INT,
                                "offset", Types.LONG,
                                "timestampMs", Types.LONG,
                                "key", Types.PRIMITIVE_ARRAY(Types.BYTE),
                                "bytes", Types.PRIMITIVE_ARRAY(Types.BYTE)));
        return (TypeInformation) info;
    }
}
