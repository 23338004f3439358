package dev.graft.connectors.serde;

import java.util.Objects;

/**
 * Bytes or JSON could not be turned into the expected record. Carries the {@link ErrorCode} and,
 * for JSON, the path of the offending value ({@code $.metrics.loss}); the message says what was
 * expected, what was found and what to do.
 */
public final class RecordDecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public RecordDecodeException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public RecordDecodeException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The stable reason. */
    public ErrorCode code() {
        return code;
    }
}
