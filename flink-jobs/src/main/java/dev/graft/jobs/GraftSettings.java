package dev.graft.jobs;

import dev.graft.growth.detect.Mode;
import dev.graft.growth.detect.PlateauRule;
import dev.graft.growth.detect.ThresholdMode;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        String growOperator,
        Map<String, String> growOptions)
        implements Serializable {

    private static final Set<String> GROW_OPERATORS =
            Set.of("lemon", "hyperclone", "pad", "identity-depth", "stack");

    public GraftSettings {
        growOptions = Map.copyOf(growOptions);
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
        String operator = conf.get(GraftOptions.POLICY_GROW_OPERATOR);
        if (!GROW_OPERATORS.contains(operator)) {
            problems.add(
                    problem(
                            GraftOptions.POLICY_GROW_OPERATOR,
                            operator,
                            "one of " + GROW_OPERATORS.stream().sorted().toList()));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "Invalid Graft configuration:\n  - " + String.join("\n  - ", problems));
        }
        return new GraftSettings(
                bootstrap,
                groupPrefix,
                txPrefix,
                txTimeout,
                interval,
                rule,
                maxDecisions,
                operator,
                conf.get(GraftOptions.POLICY_GROW_OPTIONS));
    }

    private static String problem(ConfigOption<?> option, Object found, String allowed) {
        return option.key() + ": expected " + allowed + ", found '" + found + "'";
    }
}
