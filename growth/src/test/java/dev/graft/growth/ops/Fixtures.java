package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.Norm;
import dev.graft.growth.arch.NormPlacement;
import dev.graft.growth.tensor.DType;
import dev.graft.growth.tensor.FloatCodec;
import dev.graft.growth.tensor.TensorInfo;
import dev.graft.growth.tensor.TensorSink;
import dev.graft.growth.tensor.TensorSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The numpy reference's fixtures ({@code src/test/python/ops_reference.py}) and in-memory tensor
 * sources and sinks. The safetensors headers the script writes are compact JSON with a fixed key
 * order, which a regular expression reads; the production reader lives in connectors.
 */
final class Fixtures {

    static final Path ROOT = Path.of("src/test/resources/ops");

    private static final Pattern ENTRY =
            Pattern.compile(
                    "\"([^\"]+)\":\\{\"dtype\":\"(F32|F64)\",\"shape\":\\[([0-9,]*)\\],"
                            + "\"data_offsets\":\\[(\\d+),(\\d+)\\]\\}");

    private Fixtures() {}

    /** Sizes of the random source models (make_gpt2/make_llama/make_bert in the script). */
    static ArchSpec gpt2() {
        return new ArchSpec(
                Family.GPT2,
                24,
                16,
                2,
                4,
                4,
                4,
                64,
                12,
                Norm.LAYERNORM,
                1e-5,
                NormPlacement.PRE,
                "gelu_new",
                true,
                0,
                null,
                DType.F32,
                Map.of());
    }

    static ArchSpec llama(boolean tied) {
        return new ArchSpec(
                Family.LLAMA,
                24,
                16,
                2,
                4,
                2,
                4,
                24,
                64,
                Norm.RMSNORM,
                1e-6,
                NormPlacement.PRE,
                "silu",
                tied,
                0,
                10000.0,
                DType.F32,
                Map.of());
    }

    static ArchSpec bert() {
        return new ArchSpec(
                Family.BERT,
                24,
                16,
                2,
                4,
                4,
                4,
                32,
                12,
                Norm.LAYERNORM,
                1e-12,
                NormPlacement.POST,
                "gelu",
                true,
                0,
                null,
                DType.F32,
                Map.of("type_vocab_size", "2"));
    }

    /** A tensor read from a fixture, as F32 values (F64 fixtures are narrowed). */
    record Tensor(TensorInfo info, float[] values, double[] doubles) {}

    static Map<String, Tensor> read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) b.getLong(0);
        String header = new String(bytes, 8, headerLength, StandardCharsets.UTF_8);
        Map<String, Tensor> out = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(header);
        while (m.find()) {
            String[] dims = m.group(3).isEmpty() ? new String[0] : m.group(3).split(",");
            long[] shape = new long[dims.length];
            int n = 1;
            for (int i = 0; i < dims.length; i++) {
                shape[i] = Long.parseLong(dims[i]);
                n *= (int) shape[i];
            }
            int start = 8 + headerLength + Integer.parseInt(m.group(4));
            float[] f = new float[n];
            double[] d = new double[n];
            boolean f64 = m.group(2).equals("F64");
            for (int i = 0; i < n; i++) {
                d[i] = f64 ? b.getDouble(start + 8 * i) : b.getFloat(start + 4 * i);
                f[i] = (float) d[i];
            }
            out.put(m.group(1), new Tensor(new TensorInfo(m.group(1), DType.F32, shape), f, d));
        }
        return out;
    }

    static InMemorySource source(Path file) throws IOException {
        Map<String, float[]> values = new LinkedHashMap<>();
        List<TensorInfo> infos = new ArrayList<>();
        for (Tensor t : read(file).values()) {
            values.put(t.info().name(), t.values());
            infos.add(t.info());
        }
        return new InMemorySource(infos, values);
    }

    /** Tensors held in memory as F32. */
    static final class InMemorySource implements TensorSource {
        private final List<TensorInfo> infos;
        private final Map<String, float[]> values;

        InMemorySource(List<TensorInfo> infos, Map<String, float[]> values) {
            this.infos = List.copyOf(infos);
            this.values = values;
        }

        @Override
        public List<TensorInfo> tensors() {
            return infos;
        }

        @Override
        public Map<String, String> metadata() {
            return Map.of();
        }

        @Override
        public ByteBuffer readRaw(String name) {
            float[] v = values.get(name);
            if (v == null) {
                throw new java.util.NoSuchElementException(name);
            }
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            return b;
        }

        @Override
        public float[] readFloats(String name) {
            return values.get(name).clone();
        }

        float[] get(String name) {
            return values.get(name);
        }

        @Override
        public void close() {}
    }

    /** Collects what is written. */
    static final class InMemorySink implements TensorSink {
        private final List<TensorInfo> infos;
        final Map<String, float[]> written = new LinkedHashMap<>();

        InMemorySink(List<TensorInfo> infos) {
            this.infos = List.copyOf(infos);
        }

        @Override
        public List<TensorInfo> tensors() {
            return infos;
        }

        @Override
        public void writeFloats(String name, float[] values) {
            if (written.put(name, values.clone()) != null) {
                throw new IllegalArgumentException(name + " written twice");
            }
        }

        @Override
        public void writeRaw(String name, ByteBuffer data) {
            TensorInfo t =
                    infos.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
            float[] v = new float[(int) t.elementCount()];
            FloatCodec.decode(data.duplicate(), t.dtype(), v, 0, v.length);
            writeFloats(name, v);
        }

        @Override
        public void close() {
            if (written.size() != infos.size()) {
                throw new IllegalStateException(
                        "wrote " + written.size() + " of " + infos.size() + " tensors");
            }
        }
    }

    /** Plans, applies and returns the written tensors. */
    static InMemorySink grow(GrowthPlan plan, TensorSource source) throws IOException {
        InMemorySink sink = new InMemorySink(plan.targetTensors());
        GrowthExecution.apply(plan, source, sink, GrowthExecution.Progress.NONE);
        sink.close();
        return sink;
    }
}
