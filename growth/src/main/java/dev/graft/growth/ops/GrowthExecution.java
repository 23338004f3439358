package dev.graft.growth.ops;

import dev.graft.growth.tensor.TensorInfo;
import dev.graft.growth.tensor.TensorSink;
import dev.graft.growth.tensor.TensorSource;

import java.io.IOException;
import java.util.List;

/**
 * Carries out a plan tensor by tensor: each target tensor is computed from its one source tensor
 * and written before the next is read, so memory is bounded by the largest source plus the largest
 * target tensor, not by the model.
 *
 * <pre>{@code
 * GrowthPlan plan = GrowthPlanner.plan(GrowthOperator.HYPERCLONE, arch, source.tensors(),
 *         GrowthTarget.unchanged(), 2, GrowthOptions.defaults());
 * try (TensorSink sink = SafetensorsCheckpoint.create(dir, plan.targetTensors(), Map.of(), max)) {
 *     GrowthExecution.apply(plan, source, sink, GrowthExecution.Progress.NONE);
 * }
 * }</pre>
 */
public final class GrowthExecution {

    /** Told after each tensor is written. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (done, total, bytesDone, bytesTotal, name) -> {};

        void tensorWritten(int done, int total, long bytesDone, long bytesTotal, String name);
    }

    private GrowthExecution() {}

    /** Writes every target tensor of {@code plan} to {@code sink}. */
    public static void apply(
            GrowthPlan plan, TensorSource source, TensorSink sink, Progress progress)
            throws IOException {
        apply(plan.mappings(), plan.options().seed(), false, source, sink, progress);
    }

    /**
     * Writes the tensors of {@code mappings}.
     *
     * @param moments the tensors are optimizer moments: copied where weights are copied or split,
     *     zero where weights are invented, never rescaled
     */
    public static void apply(
            List<TensorMapping> mappings,
            long seed,
            boolean moments,
            TensorSource source,
            TensorSink sink,
            Progress progress)
            throws IOException {
        long total = 0;
        for (TensorMapping m : mappings) {
            total += m.target().byteLength();
        }
        long done = 0;
        int i = 0;
        for (TensorMapping m : mappings) {
            TensorInfo t = m.target();
            if (m.rule() instanceof TensorRule.Copy && m.source().dtype() == t.dtype()) {
                sink.copyRaw(t.name(), source, m.source().name());
            } else {
                long n = t.elementCount();
                if (n > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException(
                            "tensor '"
                                    + t.name()
                                    + "' "
                                    + t.dtype()
                                    + t.shapeString()
                                    + " has more elements than a Java array holds");
                }
                float[] in = m.rule().readsSource() ? source.readFloats(m.source().name()) : null;
                float[] out =
                        m.rule().apply(in, (int) n, Hashing.tensorSeed(seed, t.name()), moments);
                sink.writeFloats(t.name(), out);
            }
            done += t.byteLength();
            progress.tensorWritten(++i, mappings.size(), done, total, t.name());
        }
    }
}
