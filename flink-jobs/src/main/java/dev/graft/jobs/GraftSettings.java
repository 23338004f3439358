package dev.graft.jobs;

import dev.graft.growth.detect.DetectionMode;
import dev.graft.growth.detect.DivergenceRule;
import dev.graft.growth.detect.GateRule;
import dev.graft.growth.detect.Mode;
import dev.graft.growth.detect.PlateauRule;
import dev.graft.growth.detect.RunDetectorRule;
import dev.graft.growth.detect.Smoothing;
import dev.graft.growth.detect.ThresholdMode;
import dev.graft.growth.policy.GrowthLadder;
import dev.graft.growth.policy.PolicyRule;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link GraftOptions} read and validated in one place. Every failure names the key, the value
 * found and what is allowed; all failures are reported together.
 *
 * <pre>{@code
 * GraftSettings settings = GraftSettings.from(configuration); // throws on the first bad read
 * }</pre>
 */
public record GraftSettings(
        String bootstrapServers,
        String groupIdPrefix,
        String transactionalIdPrefix,
        Duration transactionTimeout,
        Duration checkpointInterval,
        PlateauRule plateauRule,
        int maxDecisionsPerGeneration,
        RunDetectorRule detection,
        PolicyRule policy,
        StreamRules stream)
        implements Serializable {

    /**
     * How the TriggerJob handles the stream itself.
     *
     * @param reorderMaxRecords metrics per run held back for reordering
     * @param reorderMaxDelay longest a metric waits for reordering
     * @param checkpointWait how long a decision waits for its source checkpoint
     * @param runIdleTimeout when a silent run counts as dead
     * @param stateTtl when a silent run's state is dropped
     */
    public record StreamRules(
            int reorderMaxRecords,
            Duration reorderMaxDelay,
            Duration checkpointWait,
            Duration runIdleTimeout,
            Duration stateTtl)
            implements Serializable {}

    /** The plateau rule's metric and thresholds (also in {@link #detection()}). */
    public String metric() {
        return plateauRule.metric();
    }

    /** Reads and validates every Graft option of {@code conf}. */
    public static GraftSettings from(Configuration conf) {
        List<String> problems = new ArrayList<>();
        String bootstrap = conf.get(GraftOptions.KAFKA_BOOTSTRAP_SERVERS);
        if (bootstrap.isBlank() || !bootstrap.contains(":")) {
            problems.add(
                    problem(GraftOptions.KAFKA_BOOTSTRAP_SERVERS, bootstrap, "host:port[,...]"));
        }
        String groupPrefix = conf.get(GraftOptions.KAFKA_GROUP_ID_PREFIX);
        if (groupPrefix.isBlank()) {
            problems.add(
                    problem(GraftOptions.KAFKA_GROUP_ID_PREFIX, groupPrefix, "a non-blank prefix"));
        }
        String txPrefix = conf.get(GraftOptions.KAFKA_TRANSACTIONAL_ID_PREFIX);
        if (txPrefix.isBlank()) {
            problems.add(
                    problem(
                            GraftOptions.KAFKA_TRANSACTIONAL_ID_PREFIX,
                            txPrefix,
                            "a non-blank prefix"));
        }
        Duration txTimeout = conf.get(GraftOptions.KAFKA_TRANSACTION_TIMEOUT);
        Duration interval = conf.get(GraftOptions.CHECKPOINT_INTERVAL);
        if (interval.compareTo(Duration.ofMillis(10)) < 0) {
            problems.add(problem(GraftOptions.CHECKPOINT_INTERVAL, interval, ">= 10 ms"));
        }
        if (txTimeout.compareTo(interval.multipliedBy(2)) < 0) {
            problems.add(
                    problem(
                            GraftOptions.KAFKA_TRANSACTION_TIMEOUT,
                            txTimeout,
                            "at least twice "
                                    + GraftOptions.CHECKPOINT_INTERVAL.key()
                                    + " ("
                                    + interval
                                    + "), or transactions expire before they commit"));
        }

        PlateauRule rule = null;
        Mode mode = null;
        ThresholdMode thresholdMode = null;
        try {
            mode = Mode.parse(conf.get(GraftOptions.TRIGGER_PLATEAU_MODE));
        } catch (IllegalArgumentException e) {
            problems.add(
                    problem(
                            GraftOptions.TRIGGER_PLATEAU_MODE,
                            conf.get(GraftOptions.TRIGGER_PLATEAU_MODE),
                            "min or max"));
        }
        try {
            thresholdMode =
                    ThresholdMode.parse(conf.get(GraftOptions.TRIGGER_PLATEAU_THRESHOLD_MODE));
        } catch (IllegalArgumentException e) {
            problems.add(
                    problem(
                            GraftOptions.TRIGGER_PLATEAU_THRESHOLD_MODE,
                            conf.get(GraftOptions.TRIGGER_PLATEAU_THRESHOLD_MODE),
                            "rel or abs"));
        }
        if (mode != null && thresholdMode != null) {
            try {
                rule =
                        new PlateauRule(
                                conf.get(GraftOptions.TRIGGER_METRIC),
                                mode,
                                conf.get(GraftOptions.TRIGGER_PLATEAU_THRESHOLD),
                                thresholdMode,
                                conf.get(GraftOptions.TRIGGER_PLATEAU_PATIENCE),
                                conf.get(GraftOptions.TRIGGER_PLATEAU_COOLDOWN));
            } catch (IllegalArgumentException e) {
                problems.add("graft.trigger.*: " + e.getMessage());
            }
        }
        int maxDecisions = conf.get(GraftOptions.TRIGGER_MAX_DECISIONS_PER_GENERATION);
        if (maxDecisions < 1) {
            problems.add(
                    problem(
                            GraftOptions.TRIGGER_MAX_DECISIONS_PER_GENERATION,
                            maxDecisions,
                            ">= 1"));
        }
        RunDetectorRule detection = null;
        DetectionMode detectionMode = null;
        try {
            detectionMode = DetectionMode.parse(conf.get(GraftOptions.TRIGGER_MODE));
        } catch (IllegalArgumentException e) {
            problems.add(
                    problem(
                            GraftOptions.TRIGGER_MODE,
                            conf.get(GraftOptions.TRIGGER_MODE),
                            "rlrop, ema, median or trend"));
        }
        double emaWeight = conf.get(GraftOptions.TRIGGER_EMA_WEIGHT);
        if (!(emaWeight >= 0 && emaWeight < 1)) {
            problems.add(problem(GraftOptions.TRIGGER_EMA_WEIGHT, emaWeight, "a weight in [0, 1)"));
        }
        int medianWindow = conf.get(GraftOptions.TRIGGER_MEDIAN_WINDOW);
        if (medianWindow < 1) {
            problems.add(problem(GraftOptions.TRIGGER_MEDIAN_WINDOW, medianWindow, ">= 1"));
        }
        int trendWindow = conf.get(GraftOptions.TRIGGER_TREND_WINDOW);
        if (trendWindow < 2) {
            problems.add(problem(GraftOptions.TRIGGER_TREND_WINDOW, trendWindow, ">= 2"));
        }
        long horizon = conf.get(GraftOptions.TRIGGER_TREND_HORIZON_STEPS);
        if (horizon < 1) {
            problems.add(problem(GraftOptions.TRIGGER_TREND_HORIZON_STEPS, horizon, ">= 1"));
        }
        double spike = conf.get(GraftOptions.TRIGGER_DIVERGENCE_SPIKE_FACTOR);
        if (!(spike > 1)) {
            problems.add(
                    problem(
                            GraftOptions.TRIGGER_DIVERGENCE_SPIKE_FACTOR,
                            spike,
                            "> 1 (or Infinity for NaN/Inf only)"));
        }
        int divergenceWarmup = conf.get(GraftOptions.TRIGGER_DIVERGENCE_WARMUP);
        if (divergenceWarmup < 1) {
            problems.add(problem(GraftOptions.TRIGGER_DIVERGENCE_WARMUP, divergenceWarmup, ">= 1"));
        }
        int divergenceCooldown = conf.get(GraftOptions.TRIGGER_DIVERGENCE_COOLDOWN);
        if (divergenceCooldown < 0) {
            problems.add(
                    problem(GraftOptions.TRIGGER_DIVERGENCE_COOLDOWN, divergenceCooldown, ">= 0"));
        }
        long warmupSteps = nonNegative(conf, GraftOptions.TRIGGER_WARMUP_STEPS, problems);
        Duration warmupTime = nonNegativeDuration(conf, GraftOptions.TRIGGER_WARMUP_TIME, problems);
        long minSteps = nonNegative(conf, GraftOptions.TRIGGER_MIN_STEPS_PER_GENERATION, problems);
        long actionCooldown =
                nonNegative(conf, GraftOptions.TRIGGER_ACTION_COOLDOWN_STEPS, problems);
        if (rule != null && detectionMode != null && problems.isEmpty()) {
            try {
                DivergenceRule divergence =
                        conf.get(GraftOptions.TRIGGER_DIVERGENCE_ENABLED)
                                ? new DivergenceRule(
                                        rule.metric(),
                                        spike,
                                        Smoothing.ema(emaWeight),
                                        divergenceWarmup,
                                        divergenceCooldown)
                                : null;
                detection =
                        new RunDetectorRule(
                                rule,
                                detectionMode,
                                emaWeight,
                                medianWindow,
                                trendWindow,
                                horizon,
                                divergence,
                                new GateRule(
                                        warmupSteps,
                                        warmupTime.toMillis(),
                                        minSteps,
                                        actionCooldown));
            } catch (IllegalArgumentException e) {
                problems.add("graft.trigger.*: " + e.getMessage());
            }
        }

        int reorderRecords = conf.get(GraftOptions.TRIGGER_REORDER_MAX_RECORDS);
        if (reorderRecords < 0 || reorderRecords > 10_000) {
            problems.add(
                    problem(GraftOptions.TRIGGER_REORDER_MAX_RECORDS, reorderRecords, "0..10000"));
        }
        Duration reorderDelay =
                nonNegativeDuration(conf, GraftOptions.TRIGGER_REORDER_MAX_DELAY, problems);
        Duration checkpointWait =
                nonNegativeDuration(conf, GraftOptions.TRIGGER_CHECKPOINT_WAIT, problems);
        Duration idle = conf.get(GraftOptions.TRIGGER_RUN_IDLE_TIMEOUT);
        if (idle.isNegative() || idle.isZero()) {
            problems.add(problem(GraftOptions.TRIGGER_RUN_IDLE_TIMEOUT, idle, "> 0"));
        }
        Duration ttl = conf.get(GraftOptions.TRIGGER_STATE_TTL);
        if (ttl.compareTo(idle) <= 0 || ttl.compareTo(checkpointWait) <= 0) {
            problems.add(
                    problem(
                            GraftOptions.TRIGGER_STATE_TTL,
                            ttl,
                            "more than "
                                    + GraftOptions.TRIGGER_RUN_IDLE_TIMEOUT.key()
                                    + " ("
                                    + idle
                                    + ") and "
                                    + GraftOptions.TRIGGER_CHECKPOINT_WAIT.key()
                                    + " ("
                                    + checkpointWait
                                    + ")"));
        }

        PolicyRule policy = null;
        String operator = conf.get(GraftOptions.POLICY_GROW_OPERATOR);
        if (!PolicyRule.GROW_OPERATORS.contains(operator)) {
            problems.add(
                    problem(
                            GraftOptions.POLICY_GROW_OPERATOR,
                            operator,
                            "one of " + PolicyRule.GROW_OPERATORS.stream().sorted().toList()));
        }
        Map<String, String> growOptions = conf.get(GraftOptions.POLICY_GROW_OPTIONS);
        for (String ladderKey : List.of("width_factor", "depth_factor")) {
            if (growOptions.containsKey(ladderKey)) {
                problems.add(
                        problem(
                                GraftOptions.POLICY_GROW_OPTIONS,
                                growOptions,
                                "no "
                                        + ladderKey
                                        + " (the ladder sets it: graft.policy.width-factor,"
                                        + " graft.policy.depth-factor or graft.policy.ladder)"));
            }
        }
        long maxParameters = conf.get(GraftOptions.POLICY_MAX_PARAMETERS);
        if (maxParameters < 0) {
            problems.add(problem(GraftOptions.POLICY_MAX_PARAMETERS, maxParameters, ">= 0"));
        }
        int maxGrowths = conf.get(GraftOptions.POLICY_MAX_GROWTHS);
        if (maxGrowths < 0) {
            problems.add(problem(GraftOptions.POLICY_MAX_GROWTHS, maxGrowths, ">= 0"));
        }
        GrowthLadder ladder = null;
        try {
            Long top = maxParameters > 0 ? maxParameters : null;
            List<String> rungs = conf.get(GraftOptions.POLICY_LADDER);
            ladder =
                    rungs.isEmpty()
                            ? GrowthLadder.byFactors(
                                    conf.get(GraftOptions.POLICY_WIDTH_FACTOR),
                                    conf.get(GraftOptions.POLICY_DEPTH_FACTOR),
                                    top)
                            : GrowthLadder.of(
                                    rungs.stream().map(GrowthLadder.Rung::parse).toList(), top);
        } catch (IllegalArgumentException e) {
            problems.add("graft.policy.width-factor/depth-factor/ladder: " + e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "Invalid Graft configuration:\n  - " + String.join("\n  - ", problems));
        }
        policy = new PolicyRule(ladder, operator, growOptions, maxGrowths);
        return new GraftSettings(
                bootstrap,
                groupPrefix,
                txPrefix,
                txTimeout,
                interval,
                rule,
                maxDecisions,
                detection,
                policy,
                new StreamRules(reorderRecords, reorderDelay, checkpointWait, idle, ttl));
    }

    private static long nonNegative(
            Configuration conf, ConfigOption<Long> option, List<String> problems) {
        long value = conf.get(option);
        if (value < 0) {
            problems.add(problem(option, value, ">= 0"));
        }
        return value;
    }

    private static Duration nonNegativeDuration(
            Configuration conf, ConfigOption<Duration> option, List<String> problems) {
        Duration value = conf.get(option);
        if (value.isNegative()) {
            problems.add(problem(option, value, ">= 0"));
        }
        return value;
    }

    private static String problem(ConfigOption<?> option, Object found, String allowed) {
        return option.key() + ": expected " + allowed + ", found '" + found + "'";
    }
}
