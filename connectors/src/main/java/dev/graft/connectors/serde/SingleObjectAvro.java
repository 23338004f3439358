package dev.graft.connectors.serde;

import dev.graft.schema.Contracts;

import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Avro single-object encoding for one record type: {@code C3 01}, the writer schema's 8-byte
 * little-endian CRC-64-AVRO fingerprint, then the Avro binary body.
 *
 * <p>Decoding accepts any writer schema that is the current or a released version of the type (from
 * {@link Contracts#writerSchemas}), resolves it to the current schema, and requires every byte to
 * be consumed.
 */
final class SingleObjectAvro<T extends SpecificRecord> {

    static final int HEADER_LENGTH = 10;
    private static final byte MAGIC_0 = (byte) 0xC3;
    private static final byte MAGIC_1 = (byte) 0x01;

    /** Every fingerprint any Graft release used, for any topic type: names wrong-topic records. */
    private static final Map<Long, String> ALL_KNOWN = allKnownFingerprints();

    private final Class<T> type;
    private final Schema readerSchema;
    private final SpecificData data;
    private final SchemaStore.Cache store = new SchemaStore.Cache();
    private final Map<Long, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();
    private final SpecificDatumWriter<T> writer;
    private final byte[] header;

    SingleObjectAvro(Class<T> type) {
        this.type = type;
        this.readerSchema = Contracts.currentSchema(type);
        this.data = SpecificData.getForClass(type);
        for (Schema writerSchema : Contracts.writerSchemas(type)) {
            store.addSchema(writerSchema);
        }
        this.writer = new SpecificDatumWriter<>(readerSchema, data);
        this.header = header(Contracts.fingerprint(readerSchema));
    }

    static boolean hasHeader(byte[] value) {
        return value.length >= 2 && value[0] == MAGIC_0 && value[1] == MAGIC_1;
    }

    byte[] encode(T record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(header, 0, header.length);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            synchronized (writer) {
                writer.write(record, encoder);
            }
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    T decode(byte[] value) throws RecordDecodeException {
        String typeName = readerSchema.getFullName();
        if (value.length < HEADER_LENGTH) {
            throw new RecordDecodeException(
                    ErrorCode.MALFORMED_AVRO,
                    "expected a "
                            + HEADER_LENGTH
                            + "-byte Avro single-object header (C3 01 + 8-byte schema fingerprint)"
                            + " before the "
                            + type.getSimpleName()
                            + " body, found only "
                            + value.length
                            + " bytes; the value was cut short: check the producer sends whole"
                            + " messages");
        }
        long fingerprint = 0;
        for (int i = 0; i < 8; i++) {
            fingerprint |= (long) (value[2 + i] & 0xff) << (8 * i);
        }
        Schema writerSchema = store.findByFingerprint(fingerprint);
        if (writerSchema == null) {
            throw unknownSchema(fingerprint, typeName);
        }
        SpecificDatumReader<T> reader =
                readers.computeIfAbsent(
                        fingerprint,
                        f -> new SpecificDatumReader<>(writerSchema, readerSchema, data));
        BoundedBinaryDecoder decoder =
                new BoundedBinaryDecoder(value, HEADER_LENGTH, value.length - HEADER_LENGTH);
        T record;
        try {
            // Avro's datum readers keep unsynchronized caches: one decode at a time per reader.
            synchronized (reader) {
                record = reader.read(null, decoder);
            }
        } catch (EOFException e) {
            throw new RecordDecodeException(
                    ErrorCode.MALFORMED_AVRO,
                    "expected a complete Avro "
                            + type.getSimpleName()
                            + " body, found a truncated one ("
                            + e.getMessage()
                            + "); the value was cut short or is not Avro: check the producer",
                    e);
        } catch (IOException | RuntimeException e) {
            throw new RecordDecodeException(
                    ErrorCode.MALFORMED_AVRO,
                    "expected a valid Avro "
                            + type.getSimpleName()
                            + " body after a valid header, found corrupt data ("
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage()
                            + "); the producer wrote bytes that do not match its own schema",
                    e);
        }
        int trailing = value.length - decoder.position();
        if (trailing != 0) {
            throw new RecordDecodeException(
                    ErrorCode.TRAILING_BYTES,
                    "expected the value to end after the "
                            + type.getSimpleName()
                            + " ("
                            + decoder.position()
                            + " bytes), found "
                            + trailing
                            + " more bytes; send exactly one single-object encoded record per"
                            + " Kafka value");
        }
        return record;
    }

    private RecordDecodeException unknownSchema(long fingerprint, String typeName) {
        String found = ALL_KNOWN.get(fingerprint);
        String what =
                found != null && !found.startsWith(typeName + " ")
                        ? "which is a "
                                + found
                                + ": the record was produced to the wrong topic; send it to the"
                                + " topic for that type"
                        : "which no Graft release knows: produce with the dev.graft.schema"
                                + " classes (or the .avsc under graft/avro) of a released Graft"
                                + " version";
        return new RecordDecodeException(
                ErrorCode.UNKNOWN_SCHEMA,
                "expected "
                        + typeName
                        + " written with its current or a released schema (releases "
                        + Contracts.RELEASES
                        + "), found schema fingerprint "
                        + hexFingerprint(fingerprint)
                        + ", "
                        + what);
    }

    static String hexFingerprint(long fingerprint) {
        return String.format("0x%016x", fingerprint);
    }

    private static byte[] header(long fingerprint) {
        byte[] h = new byte[HEADER_LENGTH];
        h[0] = MAGIC_0;
        h[1] = MAGIC_1;
        for (int i = 0; i < 8; i++) {
            h[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
        return h;
    }

    private static Map<Long, String> allKnownFingerprints() {
        Map<Long, String> known = new HashMap<>();
        for (Class<? extends SpecificRecord> t : Contracts.TOPIC_RECORDS) {
            List<Schema> schemas = Contracts.writerSchemas(t);
            for (int i = schemas.size() - 1; i >= 0; i--) {
                Schema s = schemas.get(i);
                known.put(
                        Contracts.fingerprint(s),
                        s.getFullName() + (i == 0 ? " (current schema)" : " (released schema)"));
            }
        }
        return Map.copyOf(known);
    }
}
