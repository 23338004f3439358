package dev.graft.growth.verify;

import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.FloatCodec;
import dev.graft.growth.tensor.TensorInfo;
import dev.graft.growth.tensor.TensorSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * A freshly initialised model of a given shape, the baseline a shrink must beat ("random init of
 * the same shape"): Hugging Face's {@code _init_weights} for BERT, GPT-2 and Llama — every matrix
 * and embedding {@code N(0, std²)} ({@code initializer_range}, 0.02 in all three), every bias 0,
 * every norm weight 1. (GPT-2's extra {@code 1/√(2L)} on its output projections is not applied.)
 *
 * <pre>{@code
 * try (TensorSource random = RandomInit.like(shrunk.tensors(), 0.02, 7)) {
 *     TransformerModel m = TransformerModel.of(shrunk.arch(), random);
 * }
 * }</pre>
 *
 * <p>Deterministic: each tensor's values depend only on the seed and the tensor's name. They are
 * made when first read and kept (a model reads its weights on every forward pass).
 */
public final class RandomInit implements TensorSource {

    private final List<TensorInfo> tensors;
    private final double std;
    private final long seed;
    private final Map<String, ByteBuffer> made = new java.util.concurrent.ConcurrentHashMap<>();

    private RandomInit(List<TensorInfo> tensors, double std, long seed) {
        this.tensors = tensors.stream().map(t -> t.withDType(DType.F32)).toList();
        this.std = std;
        this.seed = seed;
    }

    /**
     * Random tensors with the names and shapes of {@code tensors} (as F32).
     *
     * @throws IllegalArgumentException when {@code std} is not positive and finite
     */
    public static RandomInit like(List<TensorInfo> tensors, double std, long seed) {
        if (!(std > 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException(
                    "initializer std must be positive and finite; got " + std);
        }
        return new RandomInit(tensors, std, seed);
    }

    @Override
    public List<TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Map<String, String> metadata() {
        return Map.of("format", "pt", "graft.init", "random N(0, " + std + "), seed " + seed);
    }

    @Override
    public ByteBuffer readRaw(String name) {
        return made.computeIfAbsent(name, this::make)
                .asReadOnlyBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    private ByteBuffer make(String name) {
        TensorInfo info =
                tensors.stream()
                        .filter(t -> t.name().equals(name))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new NoSuchElementException(
                                                "no tensor '"
                                                        + name
                                                        + "' among the "
                                                        + tensors.size()
                                                        + " of this random init"));
        float[] v = new float[Math.toIntExact(info.elementCount())];
        if (info.rank() >= 2) {
            SplittableRandom r = new SplittableRandom(seed ^ nameHash(name));
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (std * gaussian(r));
            }
        } else if (!name.endsWith("bias")) {
            java.util.Arrays.fill(v, 1f);
        }
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        FloatCodec.encode(v, 0, v.length, DType.F32, b);
        return b.flip();
    }

    @Override
    public void close() {
        made.clear();
    }

    private static long nameHash(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte c : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ c) * 0x100000001b3L;
        }
        return h;
    }

    /** Box–Muller: a standard normal from two uniforms. */
    private static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        double w = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
    }
}
