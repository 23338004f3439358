package dev.graft.connectors.safetensors;

import dev.graft.growth.tensor.TensorInfo;
import dev.graft.growth.tensor.TensorSink;
import dev.graft.growth.tensor.TensorSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static dev.graft.connectors.safetensors.CheckpointFormatException.printable;

/**
 * Writes a checkpoint as shards of at most {@code maxShardBytes} of tensor data each ({@code
 * model-00001-of-00003.safetensors}, …) plus {@code model.safetensors.index.json}; a checkpoint
 * that fits one shard is written as a single {@code model.safetensors} without an index, as Hugging
 * Face's {@code save_pretrained} does. A tensor larger than the shard size gets a shard of its own.
 */
public final class ShardedSafetensorsWriter implements TensorSink {

    private final Path dir;
    private final List<TensorInfo> tensors;
    private final List<SafetensorsWriter> writers;
    private final Map<String, SafetensorsWriter> byTensor;
    private final SafetensorsIndex index;
    private boolean closed;

    private ShardedSafetensorsWriter(
            Path dir,
            List<TensorInfo> tensors,
            List<SafetensorsWriter> writers,
            Map<String, SafetensorsWriter> byTensor,
            SafetensorsIndex index) {
        this.dir = dir;
        this.tensors = tensors;
        this.writers = writers;
        this.byTensor = byTensor;
        this.index = index;
    }

    /**
     * Plans the shards and creates their files in {@code dir} (which must exist).
     *
     * @param maxShardBytes tensor bytes per shard, at least 1
     */
    public static ShardedSafetensorsWriter create(
            Path dir, List<TensorInfo> tensors, Map<String, String> metadata, long maxShardBytes)
            throws IOException {
        if (maxShardBytes < 1) {
            throw new IllegalArgumentException(
                    "shard size is " + maxShardBytes + " bytes; expected at least 1");
        }
        List<TensorInfo> list = List.copyOf(tensors);
        List<List<TensorInfo>> plan = new ArrayList<>();
        List<TensorInfo> current = new ArrayList<>();
        long currentBytes = 0;
        for (TensorInfo t : list) {
            if (!current.isEmpty() && currentBytes + t.byteLength() > maxShardBytes) {
                plan.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(t);
            currentBytes += t.byteLength();
        }
        plan.add(current);
        int n = plan.size();
        List<SafetensorsWriter> writers = new ArrayList<>();
        Map<String, SafetensorsWriter> byTensor = new HashMap<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        long total = 0;
        try {
            for (int i = 0; i < n; i++) {
                String file =
                        n == 1
                                ? SafetensorsCheckpoint.SINGLE_FILE
                                : String.format("model-%05d-of-%05d.safetensors", i + 1, n);
                SafetensorsWriter w =
                        SafetensorsWriter.create(dir.resolve(file), plan.get(i), metadata);
                writers.add(w);
                for (TensorInfo t : plan.get(i)) {
                    if (byTensor.put(t.name(), w) != null) {
                        throw new IllegalArgumentException(
                                "tensor '" + printable(t.name()) + "' is declared twice");
                    }
                    weightMap.put(t.name(), file);
                    total += t.byteLength();
                }
            }
        } catch (IOException | RuntimeException e) {
            for (SafetensorsWriter w : writers) {
                w.abort();
            }
            throw e;
        }
        SafetensorsIndex index =
                n == 1 ? null : new SafetensorsIndex(OptionalLong.of(total), weightMap);
        return new ShardedSafetensorsWriter(dir, list, writers, byTensor, index);
    }

    /** Number of shard files. */
    public int shardCount() {
        return writers.size();
    }

    @Override
    public List<TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public void writeFloats(String name, float[] values) throws IOException {
        writer(name).writeFloats(name, values);
    }

    @Override
    public void writeRaw(String name, ByteBuffer data) throws IOException {
        writer(name).writeRaw(name, data);
    }

    @Override
    public void copyRaw(String name, TensorSource source, String sourceName) throws IOException {
        writer(name).copyRaw(name, source, sourceName);
    }

    private SafetensorsWriter writer(String name) {
        SafetensorsWriter w = byTensor.get(name);
        if (w == null) {
            throw new IllegalArgumentException(
                    "tensor '" + printable(name) + "' was not declared for " + dir);
        }
        return w;
    }

    /** Completes every shard, then writes the index; on failure deletes every file it wrote. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        for (SafetensorsWriter w : writers) {
            try {
                w.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure == null && index != null) {
            try (OutputStream out =
                    Files.newOutputStream(dir.resolve(SafetensorsIndex.FILE_NAME))) {
                index.write(out);
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            for (SafetensorsWriter w : writers) {
                Files.deleteIfExists(w.path());
            }
            Files.deleteIfExists(dir.resolve(SafetensorsIndex.FILE_NAME));
            throw failure;
        }
    }
}
