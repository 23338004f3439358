package dev.graft.growth.model;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.ExpectedTensor;
import dev.graft.growth.arch.LayoutVariant;
import dev.graft.growth.arch.TensorLayout;
import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.FloatCodec;
import dev.graft.growth.tensor.TensorInfo;
import dev.graft.growth.tensor.TensorSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/** F32 tensors in memory, for tests: a random checkpoint of any architecture. */
public final class MapTensorSource implements TensorSource {

    private final Map<String, TensorInfo> infos = new LinkedHashMap<>();
    private final Map<String, float[]> values = new LinkedHashMap<>();

    /** Adds (or replaces) a tensor. */
    public MapTensorSource put(String name, float[] data, long... shape) {
        TensorInfo info = new TensorInfo(name, DType.F32, shape);
        if (info.elementCount() != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " values for " + info);
        }
        infos.put(name, info);
        values.put(name, data.clone());
        return this;
    }

    /** Removes a tensor. */
    public MapTensorSource remove(String name) {
        infos.remove(name);
        values.remove(name);
        return this;
    }

    /** A copy of a tensor's values. */
    public float[] get(String name) {
        return values.get(name).clone();
    }

    /**
     * Every parameter of {@code arch} in {@code variant}: norm gains near 1, everything else normal
     * with standard deviation 0.2.
     */
    public static MapTensorSource random(ArchSpec arch, LayoutVariant variant, long seed) {
        return random(arch, variant, seed, 0.2, 0.1, 0.2);
    }

    /**
     * Every parameter of {@code arch} in {@code variant}: norm gains {@code 1 + N(0, gainStd²)},
     * biases (norm biases included) {@code N(0, biasStd²)}, other weights {@code N(0, std²)}.
     */
    public static MapTensorSource random(
            ArchSpec arch,
            LayoutVariant variant,
            long seed,
            double std,
            double gainStd,
            double biasStd) {
        SplittableRandom random = new SplittableRandom(seed);
        MapTensorSource s = new MapTensorSource();
        for (ExpectedTensor t : TensorLayout.expected(arch, variant)) {
            if (!t.isRequired()) {
                continue;
            }
            float[] v = new float[(int) t.elementCount()];
            boolean gain =
                    t.name()
                            .matches(
                                    ".*(ln_\\d|ln_f|LayerNorm|layernorm|layer_norm|norm)\\.(weight|gamma)");
            boolean bias = t.name().endsWith("bias") || t.name().endsWith("beta");
            for (int i = 0; i < v.length; i++) {
                double g = gaussian(random);
                v[i] = (float) (gain ? 1 + gainStd * g : (bias ? biasStd : std) * g);
            }
            s.put(t.name(), v, t.shape());
        }
        return s;
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble()))
                * Math.cos(2 * Math.PI * r.nextDouble());
    }

    @Override
    public List<TensorInfo> tensors() {
        return new ArrayList<>(infos.values());
    }

    @Override
    public Map<String, String> metadata() {
        return Map.of();
    }

    @Override
    public ByteBuffer readRaw(String name) {
        float[] v = values.get(name);
        if (v == null) {
            throw new NoSuchElementException("no tensor '" + name + "'");
        }
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        FloatCodec.encode(v, 0, v.length, DType.F32, b);
        return b.flip();
    }

    @Override
    public void close() {}
}
