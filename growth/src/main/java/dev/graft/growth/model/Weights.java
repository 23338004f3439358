package dev.graft.growth.model;

import dev.graft.growth.tensor.TensorInfo;
import dev.graft.growth.tensor.TensorSource;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's tensors: checked once against the shapes the forward pass needs, then read as F32 when
 * a layer runs and released after it.
 */
final class Weights {

    private final TensorSource source;
    private final Map<String, TensorInfo> byName;
    private final Map<String, long[]> required = new LinkedHashMap<>();
    private final List<INDArray> loaded = new ArrayList<>();

    Weights(TensorSource source) {
        this.source = source;
        this.byName = source.tensorsByName();
    }

    /** Whether the source has this tensor. */
    boolean has(String name) {
        return byName.containsKey(name);
    }

    /** Declares a tensor the forward pass reads, with its shape; checked by {@link #check}. */
    Weights require(String name, long... shape) {
        required.put(name, shape);
        return this;
    }

    /**
     * Fails unless every required tensor is present with its shape and a dtype Graft computes on,
     * naming all that are not.
     */
    void check(String what) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : required.entrySet()) {
            TensorInfo t = byName.get(e.getKey());
            if (t == null) {
                problems.add("missing " + e.getKey() + Arrays.toString(e.getValue()));
            } else if (!t.hasShape(e.getValue())) {
                problems.add(
                        e.getKey()
                                + " is "
                                + t.dtype()
                                + t.shapeString()
                                + ", expected "
                                + Arrays.toString(e.getValue()));
            } else if (!t.dtype().isComputable()) {
                problems.add(e.getKey() + " is " + t.dtype() + ", expected F32, F16 or BF16");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "the tensors do not match the "
                            + what
                            + " reference model: "
                            + String.join("; ", problems));
        }
    }

    /** The F32 values of a required tensor. */
    float[] floats(String name) throws IOException {
        if (!required.containsKey(name)) {
            throw new IllegalStateException("tensor '" + name + "' was read but not declared");
        }
        return source.readFloats(name);
    }

    /** A required tensor as an F32 array of its shape, released by {@link #release()}. */
    INDArray get(String name) throws IOException {
        long[] shape = required.get(name);
        INDArray a = Nd4j.create(floats(name), shape, 'c');
        loaded.add(a);
        return a;
    }

    /** A required tensor, or null when {@code name} is null (optional biases). */
    INDArray optional(String name) throws IOException {
        return name == null ? null : get(name);
    }

    /** Releases every array read since the last release. */
    void release() {
        for (INDArray a : loaded) {
            ModelOutput.release(a);
        }
        loaded.clear();
    }
}
