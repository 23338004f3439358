package dev.graft.connectors.safetensors;

import dev.graft.growth.tensor.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Opens and creates the safetensors part of a Hugging Face checkpoint, sharded or not.
 *
 * <pre>{@code
 * try (SafetensorsSource in = SafetensorsCheckpoint.open(Path.of("ckpt"));
 *         TensorSink out = SafetensorsCheckpoint.create(target, in.tensors(), in.metadata(),
 *                 SafetensorsCheckpoint.DEFAULT_SHARD_BYTES)) {
 *     for (TensorInfo t : in.tensors()) out.writeRaw(t.name(), in.readRaw(t.name()));
 * }
 * }</pre>
 */
public final class SafetensorsCheckpoint {

    /** The unsharded file name. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** Hugging Face's default {@code max_shard_size}: 5 GB. */
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;

    private SafetensorsCheckpoint() {}

    /**
     * Opens {@code path}: a {@code .safetensors} file, an {@code .index.json} file, or a checkpoint
     * directory holding {@code model.safetensors.index.json} or {@code model.safetensors}.
     */
    public static SafetensorsSource open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path index = path.resolve(SafetensorsIndex.FILE_NAME);
            if (Files.isRegularFile(index)) {
                return ShardedSafetensors.open(index);
            }
            Path single = path.resolve(SINGLE_FILE);
            if (Files.isRegularFile(single)) {
                return SafetensorsFile.open(single);
            }
            throw new CheckpointFormatException(
                    path.toString(),
                    null,
                    "directory holds neither "
                            + SafetensorsIndex.FILE_NAME
                            + " nor "
                            + SINGLE_FILE
                            + "; expected a Hugging Face checkpoint directory");
        }
        if (!Files.exists(path)) {
            throw new java.nio.file.NoSuchFileException(path.toString());
        }
        if (path.getFileName().toString().endsWith(".index.json")) {
            return ShardedSafetensors.open(path);
        }
        return SafetensorsFile.open(path);
    }

    /**
     * Creates the safetensors files of a checkpoint in {@code dir}: one {@code model.safetensors}
     * when the tensors fit {@code maxShardBytes}, else shards and an index.
     */
    public static ShardedSafetensorsWriter create(
            Path dir, List<TensorInfo> tensors, Map<String, String> metadata, long maxShardBytes)
            throws IOException {
        return ShardedSafetensorsWriter.create(dir, tensors, metadata, maxShardBytes);
    }
}
