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

    // --- Trigger: detection mode, divergence, gate --------------------------------------------

    public static final ConfigOption<String> TRIGGER_MODE =
            ConfigOptions.key("graft.trigger.mode")
                    .stringType()
                    .defaultValue("rlrop")
                    .withDescription(
                            "Growth detector: rlrop (PyTorch ReduceLROnPlateau exactly, on the raw"
                                    + " metric), ema (the same rule on TensorBoard's debiased EMA),"
                                    + " median (on a window median) or trend (least-squares slope"
                                    + " of the EMA, projected over graft.trigger.trend.horizon-steps;"
                                    + " graft.trigger.plateau.threshold is then the relative"
                                    + " improvement over the horizon). Patience and cooldown count"
                                    + " evaluations in every mode.");

    public static final ConfigOption<Double> TRIGGER_EMA_WEIGHT =
            ConfigOptions.key("graft.trigger.ema-weight")
                    .doubleType()
                    .defaultValue(0.9)
                    .withDescription(
                            "EMA weight of the ema and trend modes and of the divergence"
                                    + " reference, in [0, 1) (TensorBoard's smoothing slider).");

    public static final ConfigOption<Integer> TRIGGER_MEDIAN_WINDOW =
            ConfigOptions.key("graft.trigger.median-window")
                    .intType()
                    .defaultValue(25)
                    .withDescription("Values in the window of the median mode. >= 1.");

    public static final ConfigOption<Integer> TRIGGER_TREND_WINDOW =
            ConfigOptions.key("graft.trigger.trend.window")
                    .intType()
                    .defaultValue(50)
                    .withDescription("Smoothed values the trend line is fitted to. >= 2.");

    public static final ConfigOption<Long> TRIGGER_TREND_HORIZON_STEPS =
            ConfigOptions.key("graft.trigger.trend.horizon-steps")
                    .longType()
                    .defaultValue(1000L)
                    .withDescription("Steps the trend slope is projected over. >= 1.");

    public static final ConfigOption<Boolean> TRIGGER_DIVERGENCE_ENABLED =
            ConfigOptions.key("graft.trigger.divergence.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Emit an ADVISORY decision (trigger DIVERGENCE, action NONE) when the"
                                    + " metric is NaN or infinite, or spikes above spike-factor"
                                    + " times its EMA. Divergence is never a growth.");

    public static final ConfigOption<Double> TRIGGER_DIVERGENCE_SPIKE_FACTOR =
            ConfigOptions.key("graft.trigger.divergence.spike-factor")
                    .doubleType()
                    .defaultValue(3.0)
                    .withDescription(
                            "A finite value above this factor times the EMA before it is a spike."
                                    + " > 1; Infinity tests NaN/Inf only.");

    public static final ConfigOption<Integer> TRIGGER_DIVERGENCE_WARMUP =
            ConfigOptions.key("graft.trigger.divergence.warmup-evaluations")
                    .intType()
                    .defaultValue(20)
                    .withDescription(
                            "Finite values smoothed before a spike can fire (early losses fall"
                                    + " fast). >= 1.");

    public static final ConfigOption<Integer> TRIGGER_DIVERGENCE_COOLDOWN =
            ConfigOptions.key("graft.trigger.divergence.cooldown")
                    .intType()
                    .defaultValue(100)
                    .withDescription(
                            "Evaluations after a divergence during which no further divergence is"
                                    + " reported (a run of NaNs gives one decision). >= 0.");

    public static final ConfigOption<Long> TRIGGER_WARMUP_STEPS =
            ConfigOptions.key("graft.trigger.warmup.steps")
                    .longType()
                    .defaultValue(0L)
                    .withDescription(
                            "Steps from a run's first step during which no growth decision is"
                                    + " made (the detector still learns). >= 0.");

    public static final ConfigOption<Duration> TRIGGER_WARMUP_TIME =
            ConfigOptions.key("graft.trigger.warmup.time")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription(
                            "Wall time (of the metrics' wall_time_ms) from a run's first metric"
                                    + " during which no growth decision is made. >= 0.");

    public static final ConfigOption<Long> TRIGGER_MIN_STEPS_PER_GENERATION =
            ConfigOptions.key("graft.trigger.min-steps-per-generation")
                    .longType()
                    .defaultValue(0L)
                    .withDescription(
                            "Steps from a generation's first step (each model size, each"
                                    + " restore) before a growth decision. >= 0.");

    public static final ConfigOption<Long> TRIGGER_ACTION_COOLDOWN_STEPS =
            ConfigOptions.key("graft.trigger.action-cooldown-steps")
                    .longType()
                    .defaultValue(0L)
                    .withDescription(
                            "Minimum steps between two actions of a run (a restart after a"
                                    + " growth shocks the loss). >= 0.");

    // --- Trigger: stream mechanics ------------------------------------------------------------

    public static final ConfigOption<Integer> TRIGGER_REORDER_MAX_RECORDS =
            ConfigOptions.key("graft.trigger.reorder.max-records")
                    .intType()
                    .defaultValue(16)
                    .withDescription(
                            "Metrics per run held back to put out-of-order steps back in order;"
                                    + " a step that arrives after more than this many later steps"
                                    + " (or reorder.max-delay later) goes to graft.dlq as"
                                    + " OUT_OF_ORDER_STEP. 0 disables reordering. >= 0.");

    public static final ConfigOption<Duration> TRIGGER_REORDER_MAX_DELAY =
            ConfigOptions.key("graft.trigger.reorder.max-delay")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription(
                            "The reorder buffer's time bound, on the run's own clock"
                                    + " (wall_time_ms): a held metric is released once one at"
                                    + " least this much newer arrives, so reordering depends only"
                                    + " on the data, never on the job's speed. A run that sends"
                                    + " nothing for this long (processing time) has its held"
                                    + " metrics released: adds at most this much to the detection"
                                    + " lag of a run that pauses. >= 0.");

    public static final ConfigOption<Duration> TRIGGER_CHECKPOINT_WAIT =
            ConfigOptions.key("graft.trigger.checkpoint-wait")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "How long a decision waits (processing time) for a CheckpointSaved of"
                                    + " its run and generation at or before its step; then it is"
                                    + " emitted with status NO_CHECKPOINT. >= 0.");

    public static final ConfigOption<Duration> TRIGGER_RUN_IDLE_TIMEOUT =
            ConfigOptions.key("graft.trigger.run-idle-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(30))
                    .withDescription(
                            "A run with no record for this long (processing time) is taken as"
                                    + " dead: its buffered metrics are evaluated, its waiting"
                                    + " decisions emitted, and it stops counting as tracked. > 0.");

    public static final ConfigOption<Duration> TRIGGER_STATE_TTL =
            ConfigOptions.key("graft.trigger.state-ttl")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "State of a run with no record for this long is dropped (Flink state"
                                    + " TTL, processing time). Must exceed run-idle-timeout and"
                                    + " checkpoint-wait.");

    // --- Policy ------------------------------------------------------------------------------

    public static final ConfigOption<Double> POLICY_WIDTH_FACTOR =
            ConfigOptions.key("graft.policy.width-factor")
                    .doubleType()
                    .defaultValue(2.0)
                    .withDescription(
                            "Width factor of one rung of the growth ladder (LEMON's experiments"
                                    + " double width and depth). >= 1.");

    public static final ConfigOption<Double> POLICY_DEPTH_FACTOR =
            ConfigOptions.key("graft.policy.depth-factor")
                    .doubleType()
                    .defaultValue(2.0)
                    .withDescription("Depth factor of one rung of the growth ladder. >= 1.");

    public static final ConfigOption<List<String>> POLICY_LADDER =
            ConfigOptions.key("graft.policy.ladder")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "An explicit ladder instead of factors: sizes HIDDENxLAYERS, ascending,"
                                    + " e.g. 768x12;1024x24;1536x24. Heads follow the width at the"
                                    + " same head_dim.");

    public static final ConfigOption<Long> POLICY_MAX_PARAMETERS =
            ConfigOptions.key("graft.policy.max-parameters")
                    .longType()
                    .defaultValue(0L)
                    .withDescription(
                            "Top of the ladder: no growth beyond this many parameters; 0 for no"
                                    + " maximum (budgets still apply).");

    public static final ConfigOption<Integer> POLICY_MAX_GROWTHS =
            ConfigOptions.key("graft.policy.max-growths")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "Growths (automatic and by budget) a run may get in its life;"
                                    + " commands are not limited. >= 0.");

    public static final ConfigOption<String> POLICY_GROW_OPERATOR =
            ConfigOptions.key("graft.policy.grow-operator")
                    .stringType()
                    .defaultValue("auto")
                    .withDescription(
                            "Operator of growth decisions: auto (exact operators: hyperclone for an"
                                    + " integer width factor without depth growth, lemon"
                                    + " otherwise), lemon, hyperclone, pad, identity-depth, stack.");

    public static final ConfigOption<Map<String, String>> POLICY_GROW_OPTIONS =
            ConfigOptions.key("graft.policy.grow-options")
                    .mapType()
                    .defaultValue(Map.of())
                    .withDescription(
                            "Extra operator options added to growth decisions, as key:value pairs"
                                    + " (width_factor and depth_factor come from the ladder).");

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
