package dev.graft.growth.ops;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A plan's target tensors divided into groups of about equal output bytes, so that several workers
 * can each write one group (one shard file) and a single committer publishes them once.
 *
 * <p>Every target tensor lies in exactly one group and no group is empty. Balancing is greedy
 * longest-processing-time: tensors from the largest down (plan order among equals) each go to the
 * group with the fewest bytes so far (then the fewest tensors, then the lowest index), which keeps
 * the largest group within 4/3 of the best possible split. Inside a group the tensors keep plan
 * order. The split is a pure function of the mappings and the count, so a worker that runs again
 * after a failure computes the same groups.
 *
 * <pre>{@code
 * TensorGroups groups = TensorGroups.split(plan.mappings(), 2);
 * for (TensorGroups.Group g : groups.groups()) {
 *     try (TensorSink sink = shardWriter(g.index(), g.targetTensors())) {
 *         GrowthExecution.apply(g.mappings(), plan.options().seed(), false, source, sink, progress);
 *     }
 * }
 * }</pre>
 *
 * @param groups the groups, {@code groups.get(i).index() == i}
 */
public record TensorGroups(List<Group> groups) {

    public TensorGroups {
        groups = List.copyOf(groups);
        for (int i = 0; i < groups.size(); i++) {
            if (groups.get(i).index() != i) {
                throw new IllegalArgumentException(
                        "group " + i + " has index " + groups.get(i).index());
            }
        }
    }

    /**
     * One group: the mappings it writes, in plan order.
     *
     * @param index 0-based
     */
    public record Group(int index, List<TensorMapping> mappings) {
        public Group {
            mappings = List.copyOf(mappings);
        }

        /** Bytes of the group's target tensors. */
        public long targetBytes() {
            long n = 0;
            for (TensorMapping m : mappings) {
                n += m.target().byteLength();
            }
            return n;
        }

        /** The target tensors, in write order (declare them to the group's sink). */
        public List<dev.graft.growth.tensor.TensorInfo> targetTensors() {
            return mappings.stream().map(TensorMapping::target).toList();
        }
    }

    /**
     * Splits {@code mappings} into {@code count} groups balanced by target bytes.
     *
     * @throws IllegalArgumentException if {@code count} is below 1 or above the number of mappings
     *     (a group would be empty)
     */
    public static TensorGroups split(List<TensorMapping> mappings, int count) {
        if (count < 1 || count > Math.max(1, mappings.size())) {
            throw new IllegalArgumentException(
                    "cannot split "
                            + mappings.size()
                            + " target tensors into "
                            + count
                            + " groups; expected 1 to "
                            + Math.max(1, mappings.size())
                            + " (every group writes at least one tensor)");
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < mappings.size(); i++) {
            order.add(i);
        }
        order.sort(
                Comparator.comparingLong((Integer i) -> mappings.get(i).target().byteLength())
                        .reversed()
                        .thenComparingInt(i -> i));
        long[] bytes = new long[count];
        int[] tensors = new int[count];
        int[] groupOf = new int[mappings.size()];
        for (int i : order) {
            int best = 0;
            for (int g = 1; g < count; g++) {
                if (bytes[g] < bytes[best]
                        || (bytes[g] == bytes[best] && tensors[g] < tensors[best])) {
                    best = g;
                }
            }
            groupOf[i] = best;
            bytes[best] += mappings.get(i).target().byteLength();
            tensors[best]++;
        }
        List<List<TensorMapping>> members = new ArrayList<>();
        for (int g = 0; g < count; g++) {
            members.add(new ArrayList<>());
        }
        for (int i = 0; i < mappings.size(); i++) {
            members.get(groupOf[i]).add(mappings.get(i));
        }
        List<Group> out = new ArrayList<>();
        for (int g = 0; g < count; g++) {
            out.add(new Group(g, members.get(g)));
        }
        return new TensorGroups(out);
    }

    /** Number of groups. */
    public int size() {
        return groups.size();
    }

    /** Group {@code index}. */
    public Group group(int index) {
        if (index < 0 || index >= groups.size()) {
            throw new IndexOutOfBoundsException(
                    "group " + index + " of " + groups.size() + "; expected 0 to " + (size() - 1));
        }
        return groups.get(index);
    }

    /** Bytes of the largest group: what bounds the time of the parallel part. */
    public long largestGroupBytes() {
        long n = 0;
        for (Group g : groups) {
            n = Math.max(n, g.targetBytes());
        }
        return n;
    }

    /**
     * How many groups a plan of {@code targetBytes} in {@code tensorCount} tensors is written in.
     *
     * @param thresholdBytes a plan below this is written in one piece
     * @param requestedGroups groups for a plan at or above the threshold; 0 for one per worker
     * @param workers parallel workers available
     * @param maxShardBytes largest shard: more groups when the requested ones would exceed it
     * @return 1 to {@code tensorCount} (1 for an empty plan)
     */
    public static int count(
            long targetBytes,
            int tensorCount,
            long thresholdBytes,
            int requestedGroups,
            int workers,
            long maxShardBytes) {
        if (thresholdBytes < 0 || requestedGroups < 0 || workers < 1 || maxShardBytes < 1) {
            throw new IllegalArgumentException(
                    "expected threshold >= 0, groups >= 0, workers >= 1 and shard bytes >= 1,"
                            + " found "
                            + thresholdBytes
                            + ", "
                            + requestedGroups
                            + ", "
                            + workers
                            + ", "
                            + maxShardBytes);
        }
        if (tensorCount <= 1 || targetBytes < thresholdBytes) {
            return 1;
        }
        long n = requestedGroups > 0 ? requestedGroups : workers;
        n = Math.max(n, (targetBytes + maxShardBytes - 1) / maxShardBytes);
        return (int) Math.max(1, Math.min(n, tensorCount));
    }
}
