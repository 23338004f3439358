package dev.graft.jobs;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every tunable of Graft's jobs, declared once as a typed Flink {@link ConfigOption} with its
 * default and description. {@link GraftSettings} validates them in one place; {@code
 * docs/configuration.md} is generated from this class ({@code ConfigurationDocsTest} fails when it
 * is stale).
 */
public final class GraftOptions {
    private GraftOptions() {}

    // --- Kafka -------------------------------------------------------------------------------

    public static final ConfigOption<String> KAFKA_BOOTSTRAP_SERVERS =
            ConfigOptions.key("graft.kafka.bootstrap-servers")
                    .stringType()
                    .defaultValue("localhost:9092")
                    .withDescription("Kafka bootstrap servers, host:port[,host:port...].");

    public static final ConfigOption<String> KAFKA_GROUP_ID_PREFIX =
            ConfigOptions.key("graft.kafka.group-id-prefix")
                    .stringType()
                    .defaultValue("graft")
                    .withDescription(
                            "Prefix of the consumer group ids of Graft's sources (the job name is"
                                    + " appended). Offsets are committed for monitoring only;"
                                    + " Flink checkpoints hold the real positions.");

    public static final ConfigOption<String> KAFKA_TRANSACTIONAL_ID_PREFIX =
            ConfigOptions.key("graft.kafka.transactional-id-prefix")
                    .stringType()
                    .defaultValue("graft")
                    .withDescription(
                            "Prefix of the transactional ids of the exactly-once Kafka sinks. Must"
                                    + " be unique per Graft deployment on a Kafka cluster.");

    public static final ConfigOption<Duration> KAFKA_TRANSACTION_TIMEOUT =
            ConfigOptions.key("graft.kafka.transaction-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "transaction.timeout.ms of the exactly-once sinks. Must exceed the"
                                    + " longest checkpoint plus restart time, and may not exceed"
                                    + " the broker's transaction.max.timeout.ms (15 min by"
                                    + " default); an expired transaction loses its records.");

    // --- Checkpointing -----------------------------------------------------------------------

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            ConfigOptions.key("graft.checkpoint.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "Interval of Flink checkpoints. Decisions become visible to"
                                    + " read_committed consumers when the checkpoint that holds"
                                    + " them completes, so this bounds decision latency.");

    // --- Trigger: plateau rule (PyTorch ReduceLROnPlateau semantics) -------------------------

    public static final ConfigOption<String> TRIGGER_METRIC =
            ConfigOptions.key("graft.trigger.metric")
                    .stringType()
                    .defaultValue("loss")
                    .withDescription(
                            "Key in TrainingMetric.metrics the plateau rule watches (e.g. loss,"
                                    + " eval_loss). Records without it update nothing but the"
                                    + " step position.");

    public static final ConfigOption<String> TRIGGER_PLATEAU_MODE =
            ConfigOptions.key("graft.trigger.plateau.mode")
                    .stringType()
                    .defaultValue("min")
                    .withDescription(
                            "min: lower is better (a loss); max: higher is better (an accuracy).");

    public static final ConfigOption<Double> TRIGGER_PLATEAU_THRESHOLD =
            ConfigOptions.key("graft.trigger.plateau.threshold")
                    .doubleType()
                    .defaultValue(1e-4)
                    .withDescription(
                            "Minimum improvement that counts, as in PyTorch ReduceLROnPlateau: rel"
                                    + " mode needs value < best * (1 - threshold), abs mode value"
                                    + " < best - threshold (min mode). >= 0.");

    public static final ConfigOption<String> TRIGGER_PLATEAU_THRESHOLD_MODE =
            ConfigOptions.key("graft.trigger.plateau.threshold-mode")
                    .stringType()
                    .defaultValue("rel")
                    .withDescription("rel or abs, as in PyTorch ReduceLROnPlateau.");

    public static final ConfigOption<Integer> TRIGGER_PLATEAU_PATIENCE =
            ConfigOptions.key("graft.trigger.plateau.patience")
                    .intType()
                    .defaultValue(10)
                    .withDescription(
                            "Evaluations without improvement tolerated; the rule fires on the"
                                    + " (patience+1)-th, as PyTorch does. >= 0.");

    public static final ConfigOption<Integer> TRIGGER_PLATEAU_COOLDOWN =
            ConfigOptions.key("graft.trigger.plateau.cooldown")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "Evaluations after a firing during which bad evaluations are not"
                                    + " counted, as in PyTorch. >= 0.");

    public static final ConfigOption<Integer> TRIGGER_MAX_DECISIONS_PER_GENERATION =
            ConfigOptions.key("graft.trigger.max-decisions-per-generation")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "Decisions a run may get within one generation. The default 1 means"
                                    + " a run waits for the transformed model (a new generation)"
                                    + " before it can be grown again. >= 1.");

    // --- Policy ------------------------------------------------------------------------------

    public static final ConfigOption<String> POLICY_GROW_OPERATOR =
            ConfigOptions.key("graft.policy.grow-operator")
                    .stringType()
                    .defaultValue("lemon")
                    .withDescription(
                            "Operator named in plateau growth decisions: lemon, hyperclone, pad,"
                                    + " identity-depth, stack.");

    public static final ConfigOption<Map<String, String>> POLICY_GROW_OPTIONS =
            ConfigOptions.key("graft.policy.grow-options")
                    .mapType()
                    .defaultValue(Map.of("width_factor", "2", "depth_factor", "2"))
                    .withDescription(
                            "Operator options for plateau growth decisions, as key:value pairs"
                                    + " (LEMON's experiments double width and depth).");

    /** Every option declared in this class, in declaration order. */
    public static List<ConfigOption<?>> all() {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Field field : GraftOptions.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers())
                    && ConfigOption.class.isAssignableFrom(field.getType())) {
                try {
                    options.add((ConfigOption<?>) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return options;
    }
}
