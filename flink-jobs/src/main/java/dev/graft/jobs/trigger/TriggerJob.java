package dev.graft.jobs.trigger;

import dev.graft.connectors.kafka.Incoming;
import dev.graft.connectors.kafka.Sourced;
import dev.graft.jobs.DeadLetterSplit;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.ProcessRejections;
import dev.graft.schema.BudgetChange;
import dev.graft.schema.BudgetScope;
import dev.graft.schema.CheckpointSaved;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.GrowthCommand;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.OutputTag;

import java.util.Objects;

/**
 * The streaming brain: training metrics, saved checkpoints, commands and budgets in; growth
 * decisions out, every unusable record to the dead-letter sink.
 *
 * <pre>
 * metrics ──────────┐
 * checkpoints.saved ┼─ decode/split ─▶ keyBy(run_id) ─┐
 * commands ─────────┤                                 ├─▶ run trigger ─▶ decisions
 * budget ── RUN ────┘                                 │        │
 *        └─ FLEET ── broadcast ───────────────────────┘        └─▶ dead letters (with decode's)
 * </pre>
 *
 * <p>The job takes its sources and sinks (Kafka in production and in {@code graft up}, anything in
 * tests); {@link dev.graft.jobs.GraftTopology} wires the Kafka ones. Operators have stable uids so
 * savepoints survive refactoring. The per-run logic is {@link RunTrigger}.
 */
public final class TriggerJob {
    public static final String NAME = "graft-trigger";

    /**
     * The job's inputs.
     *
     * @param metrics graft.metrics
     * @param checkpoints graft.checkpoints.saved
     * @param commands graft.commands
     * @param budget graft.budget
     */
    public record Sources(
            Source<Incoming<TrainingMetric>, ?, ?> metrics,
            Source<Incoming<CheckpointSaved>, ?, ?> checkpoints,
            Source<Incoming<GrowthCommand>, ?, ?> commands,
            Source<Incoming<BudgetChange>, ?, ?> budget) {
        public Sources {
            Objects.requireNonNull(metrics, "metrics");
            Objects.requireNonNull(checkpoints, "checkpoints");
            Objects.requireNonNull(commands, "commands");
            Objects.requireNonNull(budget, "budget");
        }
    }

    private static final OutputTag<Sourced<BudgetChange>> FLEET_BUDGETS =
            new OutputTag<>("fleet-budgets", Incoming.sourcedTypeInfo(BudgetChange.class));

    private final Sources sources;
    private final Sink<GrowthDecision> decisions;
    private final Sink<DeadLetter> deadLetters;
    private final GraftSettings settings;
    private final String graftVersion;
    private final KeyedBroadcastProcessFunction<String, RunEvent, BudgetChange, GrowthDecision>
            runFunction;

    public TriggerJob(
            Sources sources,
            Sink<GrowthDecision> decisions,
            Sink<DeadLetter> deadLetters,
            GraftSettings settings,
            String graftVersion) {
        this.sources = Objects.requireNonNull(sources, "sources");
        this.decisions = Objects.requireNonNull(decisions, "decisions");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.graftVersion = Objects.requireNonNull(graftVersion, "graftVersion");
        this.runFunction = new RunTrigger(settings, graftVersion);
    }

    private TriggerJob(
            TriggerJob job,
            KeyedBroadcastProcessFunction<String, RunEvent, BudgetChange, GrowthDecision> fn) {
        this.sources = job.sources;
        this.decisions = job.decisions;
        this.deadLetters = job.deadLetters;
        this.settings = job.settings;
        this.graftVersion = job.graftVersion;
        this.runFunction = Objects.requireNonNull(fn, "fn");
    }

    /**
     * The same job with another per-run function in place of {@link RunTrigger} (the benchmark's
     * pass-through baseline, or a counting wrapper); same operators, uids and sinks.
     */
    public TriggerJob withRunFunction(
            KeyedBroadcastProcessFunction<String, RunEvent, BudgetChange, GrowthDecision> fn) {
        return new TriggerJob(this, fn);
    }

    /** Adds the job's operators to {@code env}. */
    public void build(StreamExecutionEnvironment env) {
        SingleOutputStreamOperator<Sourced<TrainingMetric>> metrics =
                decoded(env, sources.metrics(), TrainingMetric.class, "graft.metrics", "metrics");
        SingleOutputStreamOperator<Sourced<CheckpointSaved>> checkpoints =
                decoded(
                        env,
                        sources.checkpoints(),
                        CheckpointSaved.class,
                        "graft.checkpoints.saved",
                        "checkpoints");
        SingleOutputStreamOperator<Sourced<GrowthCommand>> commands =
                decoded(env, sources.commands(), GrowthCommand.class, "graft.commands", "commands");
        SingleOutputStreamOperator<Sourced<BudgetChange>> budgets =
                decoded(env, sources.budget(), BudgetChange.class, "graft.budget", "budget");

        // Run budgets join their run's keyed state; fleet budgets are broadcast to every subtask.
        SingleOutputStreamOperator<RunEvent> runBudgets =
                budgets.process(
                                new org.apache.flink.streaming.api.functions.ProcessFunction<
                                        Sourced<BudgetChange>, RunEvent>() {
                                    @Override
                                    public void processElement(
                                            Sourced<BudgetChange> b,
                                            Context ctx,
                                            org.apache.flink.util.Collector<RunEvent> out) {
                                        if (isFleet(b.value())) {
                                            ctx.output(FLEET_BUDGETS, b);
                                        } else {
                                            out.collect(RunEvent.budget(b));
                                        }
                                    }
                                },
                                RunEvent.typeInfo())
                        .name("split budget scope")
                        .uid("trigger-budget-scope");
        DataStream<dev.graft.schema.BudgetChange> fleet =
                runBudgets
                        .getSideOutput(FLEET_BUDGETS)
                        .map(b -> b.value(), new AvroTypeInfo<>(BudgetChange.class))
                        .name("fleet budgets")
                        .uid("trigger-fleet-budgets");

        DataStream<RunEvent> events =
                metrics.map(RunEvent::metric, RunEvent.typeInfo())
                        .name("metric events")
                        .uid("trigger-metric-events")
                        .union(
                                checkpoints
                                        .map(RunEvent::checkpoint, RunEvent.typeInfo())
                                        .name("checkpoint events")
                                        .uid("trigger-checkpoint-events"),
                                commands.map(RunEvent::command, RunEvent.typeInfo())
                                        .name("command events")
                                        .uid("trigger-command-events"),
                                runBudgets);

        SingleOutputStreamOperator<GrowthDecision> decided =
                events.keyBy(RunEvent::runId)
                        .connect(fleet.broadcast(RunTrigger.FLEET_BUDGET))
                        .process(runFunction, new AvroTypeInfo<>(GrowthDecision.class))
                        .name("run trigger")
                        .uid("trigger-run");

        decided.sinkTo(decisions).name("graft.decisions").uid("trigger-decisions-sink");

        metrics.getSideOutput(ProcessRejections.DEAD_LETTERS)
                .union(
                        checkpoints.getSideOutput(ProcessRejections.DEAD_LETTERS),
                        commands.getSideOutput(ProcessRejections.DEAD_LETTERS),
                        budgets.getSideOutput(ProcessRejections.DEAD_LETTERS),
                        decided.getSideOutput(ProcessRejections.DEAD_LETTERS))
                .sinkTo(deadLetters)
                .name("graft.dlq")
                .uid("trigger-dlq-sink");
    }

    static boolean isFleet(BudgetChange b) {
        return b.getScope() == BudgetScope.FLEET || RunTrigger.FLEET.equals(b.getRunId());
    }

    private static <T extends SpecificRecord> SingleOutputStreamOperator<Sourced<T>> decoded(
            StreamExecutionEnvironment env,
            Source<Incoming<T>, ?, ?> source,
            Class<T> type,
            String topic,
            String uid) {
        DataStream<Incoming<T>> incoming =
                env.fromSource(
                                source,
                                WatermarkStrategy.noWatermarks(),
                                topic,
                                Incoming.typeInfo(type))
                        .uid("trigger-" + uid + "-source");
        return incoming.process(new DeadLetterSplit<T>(), Incoming.sourcedTypeInfo(type))
                .name("split dead letters: " + topic)
                .uid(uid.equals("metrics") ? "trigger-split-dead-letters" : "trigger-split-" + uid);
    }
}
