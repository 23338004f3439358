package dev.graft.connectors.safetensors;

import java.io.IOException;
import java.util.Optional;

/**
 * A checkpoint file is not what the format requires. The message is one line: the file, the tensor
 * (when one is to blame) and what was wrong, e.g. {@code model.safetensors: tensor 'wte': unknown
 * dtype 'F128'; expected one of BOOL, U8, …}.
 */
public class CheckpointFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final String tensor;
    private final String problem;

    public CheckpointFormatException(String file, String tensor, String problem) {
        this(file, tensor, problem, null);
    }

    public CheckpointFormatException(String file, String tensor, String problem, Throwable cause) {
        super(format(file, tensor, problem), cause);
        this.file = file;
        this.tensor = tensor;
        this.problem = problem;
    }

    /** The file at fault, as it was named when opened. */
    public String file() {
        return file;
    }

    /** The tensor at fault, if the problem is about one. */
    public Optional<String> tensor() {
        return Optional.ofNullable(tensor);
    }

    /** What was wrong, without the file and tensor. */
    public String problem() {
        return problem;
    }

    private static String format(String file, String tensor, String problem) {
        return file
                + ": "
                + (tensor == null ? "" : "tensor '" + printable(tensor) + "': ")
                + problem;
    }

    /**
     * A name as it can appear in a one-line message: control characters escaped, at most 200
     * characters (hostile files have hostile names).
     */
    public static String printable(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length() && b.length() < 200; i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (b.length() >= 200 && name.length() > 200) {
            b.append("…(").append(name.length()).append(" chars)");
        }
        return b.toString();
    }
}
