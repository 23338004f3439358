package dev.graft.connectors.transform;

import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.growth.tensor.TensorInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every tensor of a checkpoint directory (sharded or not) as {@code dtype[shape] sha256-of-bytes},
 * by name: two checkpoints hold the same tensors exactly when these maps are equal, however their
 * files are laid out.
 */
public final class TensorDigests {
    private TensorDigests() {}

    public static Map<String, String> of(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (SafetensorsSource in = SafetensorsCheckpoint.open(dir)) {
            for (TensorInfo t : in.tensors()) {
                ByteBuffer raw = in.readRaw(t.name());
                MessageDigest digest = sha256();
                digest.update(raw);
                out.put(
                        t.name(),
                        t.dtype()
                                + t.shapeString()
                                + " "
                                + HexFormat.of().formatHex(digest.digest()));
            }
        }
        return out;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
