package dev.graft.connectors.transform;

import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.growth.ops.GrowthPlan;
import dev.graft.growth.ops.TensorGroups;

import java.io.Serializable;

/**
 * When a transform's result is written in several tensor groups (one shard file each, by parallel
 * workers) instead of one piece.
 *
 * <pre>{@code
 * Splitting s = new Splitting(1L << 30, 0, SafetensorsCheckpoint.DEFAULT_SHARD_BYTES);
 * int groups = s.groupsFor(plan, 4); // 1 below 1 GiB of output, else 4 (one per worker)
 * }</pre>
 *
 * @param thresholdBytes results with fewer target bytes are written in one piece ({@code
 *     model.safetensors}); 0 splits every result
 * @param groups groups for a result at or above the threshold; 0 for one per worker
 * @param maxShardBytes no shard above this: more groups when needed
 */
public record Splitting(long thresholdBytes, int groups, long maxShardBytes)
        implements Serializable {

    /** Split results of 1 GiB and more, one group per worker, shards of at most 5 GB. */
    public static final long DEFAULT_THRESHOLD_BYTES = 1L << 30;

    /** Always one piece, as Hugging Face writes a checkpoint under 5 GB. */
    public static final Splitting ONE_PIECE =
            new Splitting(Long.MAX_VALUE, 1, SafetensorsCheckpoint.DEFAULT_SHARD_BYTES);

    public Splitting {
        if (thresholdBytes < 0 || groups < 0 || maxShardBytes < 1) {
            throw new IllegalArgumentException(
                    "expected split threshold >= 0 bytes, groups >= 0 and shard size >= 1 byte,"
                            + " found "
                            + thresholdBytes
                            + ", "
                            + groups
                            + " and "
                            + maxShardBytes);
        }
    }

    /** The defaults: {@link #DEFAULT_THRESHOLD_BYTES}, one group per worker, 5 GB shards. */
    public static Splitting defaults() {
        return new Splitting(DEFAULT_THRESHOLD_BYTES, 0, SafetensorsCheckpoint.DEFAULT_SHARD_BYTES);
    }

    /** The groups {@code plan}'s result is written in, given {@code workers} parallel workers. */
    public int groupsFor(GrowthPlan plan, int workers) {
        return TensorGroups.count(
                plan.targetBytes(),
                plan.mappings().size(),
                thresholdBytes,
                groups,
                Math.max(1, workers),
                maxShardBytes);
    }

    /** The shard file of group {@code group} of {@code groups}, as Hugging Face names shards. */
    public static String shardName(int group, int groups) {
        if (groups == 1) {
            return SafetensorsCheckpoint.SINGLE_FILE;
        }
        return String.format(
                java.util.Locale.ROOT, "model-%05d-of-%05d.safetensors", group + 1, groups);
    }
}
