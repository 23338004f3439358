package dev.graft.connectors.safetensors;

import dev.graft.growth.tensor.TensorInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

import static dev.graft.connectors.safetensors.CheckpointFormatException.printable;

/**
 * A sharded checkpoint: an index and the shard files it names, read as one {@link
 * SafetensorsSource}. Opening validates the index, every shard's header and that index and shards
 * agree: each tensor of the weight map is in the shard it names, each shard tensor is in the weight
 * map, no tensor is in two shards, and {@code total_size} matches.
 */
public final class ShardedSafetensors implements SafetensorsSource {

    private final Path indexFile;
    private final SafetensorsIndex index;
    private final Map<String, SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> byTensor;
    private final List<TensorInfo> tensors;

    private ShardedSafetensors(
            Path indexFile,
            SafetensorsIndex index,
            Map<String, SafetensorsFile> shards,
            Map<String, SafetensorsFile> byTensor,
            List<TensorInfo> tensors) {
        this.indexFile = indexFile;
        this.index = index;
        this.shards = shards;
        this.byTensor = byTensor;
        this.tensors = List.copyOf(tensors);
    }

    /** Opens the index file and every shard it names. */
    public static ShardedSafetensors open(Path indexFile) throws IOException {
        String name = indexFile.toString();
        Path dir = indexFile.toAbsolutePath().getParent();
        SafetensorsIndex index = SafetensorsIndex.read(indexFile);
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        try {
            // Shards in name order (model-00001-of-…, model-00002-of-…), so tensors() lists the
            // checkpoint in storage order; the first tensor naming a shard is blamed for it.
            Map<String, String> firstTensorOf = new java.util.TreeMap<>();
            for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
                firstTensorOf.putIfAbsent(e.getValue(), e.getKey());
            }
            for (Map.Entry<String, String> e : firstTensorOf.entrySet()) {
                String shard = e.getKey();
                Path file = SafetensorsIndex.resolveShard(dir, name, e.getValue(), shard);
                if (!Files.isRegularFile(file)) {
                    throw new CheckpointFormatException(
                            name,
                            e.getValue(),
                            "shard file '" + printable(shard) + "' does not exist");
                }
                shards.put(shard, SafetensorsFile.open(file));
            }
            Map<String, SafetensorsFile> byTensor = new HashMap<>();
            List<TensorInfo> tensors = new ArrayList<>();
            long tensorBytes = 0;
            long fileBytes = 0;
            for (Map.Entry<String, SafetensorsFile> s : shards.entrySet()) {
                fileBytes += Files.size(s.getValue().path());
                for (TensorInfo t : s.getValue().tensors()) {
                    String listed = index.weightMap().get(t.name());
                    if (listed == null) {
                        throw new CheckpointFormatException(
                                s.getValue().path().toString(),
                                t.name(),
                                "is in the shard but not in the index's weight_map");
                    }
                    if (byTensor.put(t.name(), s.getValue()) != null) {
                        throw new CheckpointFormatException(
                                s.getValue().path().toString(), t.name(), "is in two shards");
                    }
                    if (!listed.equals(s.getKey())) {
                        throw new CheckpointFormatException(
                                s.getValue().path().toString(),
                                t.name(),
                                "is in shard '"
                                        + printable(s.getKey())
                                        + "' but the weight_map names '"
                                        + printable(listed)
                                        + "'");
                    }
                    tensors.add(t);
                    tensorBytes += t.byteLength();
                }
            }
            for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
                if (!byTensor.containsKey(e.getKey())) {
                    throw new CheckpointFormatException(
                            name,
                            e.getKey(),
                            "is in the weight_map but not in shard '"
                                    + printable(e.getValue())
                                    + "'");
                }
            }
            if (index.totalSize().isPresent()) {
                long total = index.totalSize().getAsLong();
                if (total != tensorBytes && total != fileBytes) {
                    throw new CheckpointFormatException(
                            name,
                            null,
                            "metadata.total_size is "
                                    + total
                                    + " but the shards' tensors hold "
                                    + tensorBytes
                                    + " bytes (files: "
                                    + fileBytes
                                    + ")");
                }
            }
            return new ShardedSafetensors(indexFile, index, shards, byTensor, tensors);
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile f : shards.values()) {
                f.close();
            }
            throw e;
        }
    }

    /** The index. */
    public SafetensorsIndex index() {
        return index;
    }

    @Override
    public List<TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        SafetensorsFile f = byTensor.get(name);
        return f == null ? Optional.empty() : f.find(name);
    }

    /** The metadata of the first shard (Hugging Face writes the same in each). */
    @Override
    public Map<String, String> metadata() {
        return shards.isEmpty() ? Map.of() : shards.values().iterator().next().metadata();
    }

    @Override
    public List<Path> files() {
        List<Path> files = new ArrayList<>();
        files.add(indexFile);
        for (SafetensorsFile f : shards.values()) {
            files.add(f.path());
        }
        return files;
    }

    @Override
    public Path fileOf(String tensor) {
        return shard(tensor).path();
    }

    @Override
    public ByteBuffer readRaw(String name) throws IOException {
        return shard(name).readRaw(name);
    }

    @Override
    public float[] readFloats(String name) throws IOException {
        return shard(name).readFloats(name);
    }

    @Override
    public void transferRaw(String name, FileChannel target, long position) throws IOException {
        shard(name).transferRaw(name, target, position);
    }

    private SafetensorsFile shard(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new NoSuchElementException(
                    indexFile
                            + ": no tensor '"
                            + printable(name)
                            + "' among its "
                            + tensors.size()
                            + " tensors");
        }
        return f;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile f : shards.values()) {
            try {
                f.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
