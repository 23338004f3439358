package dev.graft.jobs.transform;

import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.transform.Splitting;

import org.apache.flink.configuration.Configuration;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link TransformOptions} read and validated in one place; all problems are reported together,
 * each naming the key, the value found and what is allowed.
 */
public record TransformSettings(
        URI storeRoot,
        int capacity,
        Duration timeout,
        boolean gpu,
        int offHeapMb,
        long splitThresholdBytes,
        int splitGroups)
        implements Serializable {

    /** When the transform is written in tensor groups. */
    public Splitting splitting() {
        return new Splitting(
                splitThresholdBytes, splitGroups, SafetensorsCheckpoint.DEFAULT_SHARD_BYTES);
    }

    public static TransformSettings from(Configuration conf) {
        List<String> problems = new ArrayList<>();
        URI root = null;
        String rootText = conf.get(TransformOptions.STORE_ROOT);
        try {
            root = new URI(rootText);
            if (root.getScheme() == null) {
                problems.add(
                        TransformOptions.STORE_ROOT.key()
                                + ": expected a URI with a scheme (file:///..., s3://...), found '"
                                + rootText
                                + "'");
            }
        } catch (URISyntaxException e) {
            problems.add(
                    TransformOptions.STORE_ROOT.key()
                            + ": expected a URI, found '"
                            + rootText
                            + "' ("
                            + e.getReason()
                            + ")");
        }
        int capacity = conf.get(TransformOptions.CAPACITY);
        if (capacity < 1) {
            problems.add(
                    TransformOptions.CAPACITY.key() + ": expected >= 1, found '" + capacity + "'");
        }
        Duration timeout = conf.get(TransformOptions.TIMEOUT);
        if (timeout.isNegative() || timeout.isZero()) {
            problems.add(
                    TransformOptions.TIMEOUT.key() + ": expected > 0, found '" + timeout + "'");
        }
        int offHeap = conf.get(TransformOptions.OFF_HEAP_MB);
        if (offHeap < 0) {
            problems.add(
                    TransformOptions.OFF_HEAP_MB.key()
                            + ": expected >= 0, found '"
                            + offHeap
                            + "'");
        }
        int groups = conf.get(TransformOptions.SPLIT_GROUPS);
        if (groups < 0) {
            problems.add(
                    TransformOptions.SPLIT_GROUPS.key()
                            + ": expected >= 0 (0 for one group per parallel subtask), found '"
                            + groups
                            + "'");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "Invalid Graft configuration:\n  - " + String.join("\n  - ", problems));
        }
        return new TransformSettings(
                root,
                capacity,
                timeout,
                conf.get(TransformOptions.GPU),
                offHeap,
                conf.get(TransformOptions.SPLIT_THRESHOLD).getBytes(),
                groups);
    }
}
