package dev.graft.connectors.serde;

import dev.graft.schema.DeadLetter;

import org.apache.avro.specific.SpecificRecord;

import java.io.Serializable;
import java.util.Objects;

/**
 * The outcome of decoding one Kafka record: either a {@link Valid} record of the expected type, or
 * an {@link Invalid} one carrying the {@link DeadLetter} to publish instead. Decoding never throws
 * for bad input, so a job routes both kinds without try/catch:
 *
 * <pre>{@code
 * Decoded<TrainingMetric> d = codec.decode(topic, partition, offset, timestamp, key, value);
 * if (d instanceof Decoded.Valid<TrainingMetric> v) {
 *     detector.onMetric(v.value());
 * } else if (d instanceof Decoded.Invalid<TrainingMetric> i) {
 *     deadLetters.add(i.deadLetter());
 * }
 * }</pre>
 *
 * @param <T> the record type expected on the topic
 */
public sealed interface Decoded<T extends SpecificRecord> extends Serializable
        permits Decoded.Valid, Decoded.Invalid {

    /** A record that decoded and passed validation. */
    record Valid<T extends SpecificRecord>(T value) implements Decoded<T> {
        private static final long serialVersionUID = 1L;

        public Valid {
            Objects.requireNonNull(value, "value");
        }
    }

    /** A record that could not be used, and why. */
    record Invalid<T extends SpecificRecord>(DeadLetter deadLetter) implements Decoded<T> {
        private static final long serialVersionUID = 1L;

        public Invalid {
            Objects.requireNonNull(deadLetter, "deadLetter");
        }

        /**
         * The stable error code, e.g. {@link ErrorCode#MALFORMED_JSON}.
         *
         * @throws IllegalArgumentException if the dead letter was made elsewhere with a code that
         *     is not an {@link ErrorCode} (read {@code deadLetter().getError().getCode()} then)
         */
        public ErrorCode code() {
            return ErrorCode.valueOf(deadLetter.getError().getCode());
        }

        /** What was expected, what was found, and what to do. */
        public String message() {
            return deadLetter.getError().getMessage();
        }
    }

    /** Whether this is a {@link Valid} record. */
    default boolean isValid() {
        return this instanceof Valid;
    }
}
