package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a growth will do, before it does it: the source and target architectures, one {@link
 * TensorMapping} per target tensor, whether the result is exact, the options (seed included) and
 * the recommended continuation schedule. {@link #describe()} is what {@code graft grow --dry-run}
 * prints; {@link GrowthExecution#apply} carries it out tensor by tensor.
 *
 * @param source the source architecture; null for a family Graft reads only to unshare (ALBERT)
 * @param target the target architecture; null likewise
 * @param configChanges {@code config.json} fields to set, as JSON text, beyond those {@code target}
 *     determines
 * @param configRemovals {@code config.json} fields to remove
 */
public record GrowthPlan(
        GrowthOperator operator,
        ArchSpec source,
        ArchSpec target,
        List<TensorMapping> mappings,
        Exactness exactness,
        List<String> notes,
        GrowthOptions options,
        ContinuationSchedule schedule,
        Map<String, String> configChanges,
        List<String> configRemovals) {

    public GrowthPlan {
        Objects.requireNonNull(operator, "operator");
        Objects.requireNonNull(exactness, "exactness");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(schedule, "schedule");
        mappings = List.copyOf(mappings);
        notes = List.copyOf(notes);
        configChanges = Map.copyOf(configChanges == null ? Map.of() : configChanges);
        configRemovals = List.copyOf(configRemovals == null ? List.of() : configRemovals);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (TensorMapping m : mappings) {
            if (!names.add(m.target().name())) {
                throw new IllegalStateException("plan writes '" + m.target().name() + "' twice");
            }
        }
    }

    /** The target tensors in write order (declare them to the sink). */
    public List<TensorInfo> targetTensors() {
        List<TensorInfo> out = new ArrayList<>();
        for (TensorMapping m : mappings) {
            out.add(m.target());
        }
        return out;
    }

    /** Bytes the target tensors take. */
    public long targetBytes() {
        long n = 0;
        for (TensorMapping m : mappings) {
            n += m.target().byteLength();
        }
        return n;
    }

    /** The largest target tensor in bytes (with the largest source, what apply holds at once). */
    public long largestTargetBytes() {
        long n = 0;
        for (TensorMapping m : mappings) {
            n = Math.max(n, m.target().byteLength());
        }
        return n;
    }

    /**
     * What goes into the manifest's operator options: the options, the schedule ({@code
     * schedule.*}) and the exactness statement.
     */
    public Map<String, String> manifestOptions() {
        Map<String, String> m = new TreeMap<>(options.toMap());
        m.putAll(schedule.toMap());
        m.put("exact", Boolean.toString(exactness.exact()));
        m.put("exactness", exactness.reason());
        return m;
    }

    /** The printable plan: header, architectures, notes, then one line per target tensor. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append("plan: ").append(operator.cliName()).append('\n');
        if (source != null && target != null) {
            b.append("  source: ").append(summary(source)).append('\n');
            b.append("  target: ").append(summary(target)).append('\n');
        }
        b.append("  ").append(exactness.describe()).append('\n');
        Map<String, String> opts = new LinkedHashMap<>(options.toMap());
        b.append("  options: ").append(opts).append('\n');
        b.append("  schedule: ").append(schedule.toMap()).append('\n');
        if (!configChanges.isEmpty() || !configRemovals.isEmpty()) {
            b.append("  config.json: set ")
                    .append(new TreeMap<>(configChanges))
                    .append(configRemovals.isEmpty() ? "" : ", remove " + configRemovals)
                    .append('\n');
        }
        for (String n : notes) {
            b.append("  note: ").append(n).append('\n');
        }
        b.append("  tensors (")
                .append(mappings.size())
                .append(", ")
                .append(String.format(java.util.Locale.ROOT, "%,d", targetBytes()))
                .append(" bytes):\n");
        for (TensorMapping m : mappings) {
            b.append("    ").append(m.describe()).append('\n');
        }
        return b.toString();
    }

    /** {@code gpt2 hidden=32 layers=2 heads=4/4 head_dim=8 ffn=128 eps=1e-05 tied}. */
    public static String summary(ArchSpec a) {
        return a.family().modelType()
                + " hidden="
                + a.hiddenSize()
                + " layers="
                + a.numLayers()
                + " heads="
                + a.numHeads()
                + "/"
                + a.numKvHeads()
                + " head_dim="
                + a.headDim()
                + " ffn="
                + a.intermediateSize()
                + " eps="
                + a.normEps()
                + (a.tieWordEmbeddings() ? " tied" : " untied")
                + " "
                + a.dtype();
    }
}
