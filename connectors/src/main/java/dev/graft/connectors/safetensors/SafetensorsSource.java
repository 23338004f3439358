package dev.graft.connectors.safetensors;

import dev.graft.growth.tensor.TensorInfo;
import dev.graft.growth.tensor.TensorSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

/** A {@link TensorSource} backed by safetensors files: one file, or the shards of an index. */
public interface SafetensorsSource extends TensorSource {

    /** The files read: the safetensors file, or the index followed by its shards. */
    List<Path> files();

    /** The file holding a tensor. */
    Path fileOf(String tensor);

    /**
     * Copies the tensor's stored bytes into {@code target} from byte {@code position}, checking
     * that its floats are finite as {@link #readRaw} does, without the bytes entering the heap:
     * each slice of {@link #TRANSFER_SLICE_BYTES} of the mapped tensor is checked and then written
     * from the mapping with a positional write, so the kernel's copy reads it from the cache the
     * check just warmed (a check of the whole tensor first would read it from memory twice). This
     * measured faster than {@link FileChannel#transferTo} in slices, whose splicing costs more than
     * copying cached bytes. {@code target}'s position is not used or changed.
     *
     * <p>On a non-finite value it fails with the slices before it already written; the caller
     * treats the target region as unwritten.
     *
     * @throws CheckpointFormatException if a float in the tensor is NaN or infinite
     */
    void transferRaw(String name, FileChannel target, long position) throws IOException;

    /** Slice of {@link #transferRaw}: small enough to stay in a core's L2 cache between reads. */
    int TRANSFER_SLICE_BYTES = 256 << 10;

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
