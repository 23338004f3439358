package dev.graft.jobs.transform;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

import java.time.Duration;
import java.util.List;

/** The TransformJob's options, declared once (see {@code docs/configuration.md}). */
public final class TransformOptions {
    private TransformOptions() {}

    public static final ConfigOption<String> STORE_ROOT =
            ConfigOptions.key("graft.store.root")
                    .stringType()
                    .defaultValue("file:///tmp/graft/store")
                    .withDescription(
                            "Root URI of the checkpoint store where transformed checkpoints are"
                                    + " published (file://, s3://, hdfs:// through Flink's file"
                                    + " systems): <root>/<run>/<generation>-<hash>/.");

    public static final ConfigOption<Integer> CAPACITY =
            ConfigOptions.key("graft.transform.capacity")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "Transforms one worker runs at once. Each needs memory for about two"
                                    + " copies of the largest tensor plus the verification models."
                                    + " >= 1.");

    public static final ConfigOption<Duration> TIMEOUT =
            ConfigOptions.key("graft.transform.timeout")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "A transform still running after this is reported FAILED (TIMEOUT,"
                                    + " retryable); the job goes on with the next decision.");

    public static final ConfigOption<Boolean> GPU =
            ConfigOptions.key("graft.transform.gpu")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Run transforms in their own slot-sharing group that requests one unit"
                                    + " of Flink's 'gpu' external resource (configure"
                                    + " external-resources on the cluster, see ops/flink/config.yaml).");

    public static final ConfigOption<Integer> OFF_HEAP_MB =
            ConfigOptions.key("graft.transform.off-heap-mb")
                    .intType()
                    .defaultValue(4096)
                    .withDescription(
                            "Task off-heap memory the transform slot requests when"
                                    + " graft.transform.gpu is on: ND4J's native memory lives"
                                    + " there, capped by JavaCPP's maxbytes/maxphysicalbytes.");

    public static final ConfigOption<MemorySize> SPLIT_THRESHOLD =
            ConfigOptions.key("graft.transform.split.threshold")
                    .memoryType()
                    .defaultValue(MemorySize.parse("1 gb"))
                    .withDescription(
                            "A transformed checkpoint of at least this many tensor bytes is"
                                    + " written in tensor groups, one shard file each, by the"
                                    + " transform's parallel subtasks, and committed once;"
                                    + " smaller ones are written in one piece"
                                    + " (model.safetensors). 0 splits every checkpoint.");

    public static final ConfigOption<Integer> SPLIT_GROUPS =
            ConfigOptions.key("graft.transform.split.groups")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "Tensor groups a checkpoint at or above graft.transform.split.threshold"
                                    + " is written in, balanced by bytes; 0 for one per parallel"
                                    + " subtask. More groups are used when a group would exceed"
                                    + " 5 GB (Hugging Face's shard size), never more than the"
                                    + " checkpoint has tensors. >= 0.");

    /** Every option declared here, in declaration order. */
    public static List<ConfigOption<?>> all() {
        return List.of(
                STORE_ROOT, CAPACITY, TIMEOUT, GPU, OFF_HEAP_MB, SPLIT_THRESHOLD, SPLIT_GROUPS);
    }
}
