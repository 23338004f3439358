package dev.graft.connectors.safetensors;

import dev.graft.growth.tensor.TensorInfo;
import dev.graft.growth.tensor.TensorSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A {@link TensorSource} backed by safetensors files: one file, or the shards of an index. */
public interface SafetensorsSource extends TensorSource {

    /** The files read: the safetensors file, or the index followed by its shards. */
    List<Path> files();

    /** The file holding a tensor. */
    Path fileOf(String tensor);

    /** Sum of the tensors' byte lengths. */
    default long tensorBytes() {
        long n = 0;
        for (TensorInfo t : tensors()) {
            n += t.byteLength();
        }
        return n;
    }

    /**
     * Reads every tensor once and checks that every float is finite: the part of validation a
     * header alone cannot show. Reads in the source's storage order, in bounded memory.
     *
     * @throws CheckpointFormatException naming the first non-finite tensor
     */
    default void checkValues() throws IOException {
        for (TensorInfo t : tensors()) {
            readRaw(t.name());
        }
    }
}
