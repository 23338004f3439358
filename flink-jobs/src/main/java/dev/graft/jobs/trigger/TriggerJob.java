package dev.graft.jobs.trigger;

import dev.graft.connectors.kafka.Incoming;
import dev.graft.connectors.kafka.Sourced;
import dev.graft.jobs.DeadLetterSplit;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.ProcessRejections;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.Objects;

/**
 * The streaming brain: training metrics in, growth decisions out, every unusable record to the
 * dead-letter sink.
 *
 * <pre>
 * metrics ─▶ decode/split ─▶ keyBy(run_id) ─▶ plateau trigger ─▶ decisions
 *                 └──────────── dead letters ◀──────┘             ─▶ dead-letter sink
 * </pre>
 *
 * <p>The job takes its source and sinks (Kafka in production and in {@code graft up}, anything in
 * tests); {@link dev.graft.jobs.GraftTopology} wires the Kafka ones. Operators have stable uids so
 * savepoints survive refactoring.
 */
public final class TriggerJob {
    public static final String NAME = "graft-trigger";

    private final Source<Incoming<TrainingMetric>, ?, ?> metrics;
    private final Sink<GrowthDecision> decisions;
    private final Sink<DeadLetter> deadLetters;
    private final GraftSettings settings;
    private final String graftVersion;

    public TriggerJob(
            Source<Incoming<TrainingMetric>, ?, ?> metrics,
            Sink<GrowthDecision> decisions,
            Sink<DeadLetter> deadLetters,
            GraftSettings settings,
            String graftVersion) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.decisions = Objects.requireNonNull(decisions, "decisions");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.graftVersion = Objects.requireNonNull(graftVersion, "graftVersion");
    }

    /** Adds the job's operators to {@code env}. */
    public void build(StreamExecutionEnvironment env) {
        DataStream<Incoming<TrainingMetric>> incoming =
                env.fromSource(
                                metrics,
                                WatermarkStrategy.noWatermarks(),
                                "graft.metrics",
                                Incoming.typeInfo(TrainingMetric.class))
                        .uid("trigger-metrics-source");

        SingleOutputStreamOperator<Sourced<TrainingMetric>> decoded =
                incoming.process(
                                new DeadLetterSplit<TrainingMetric>(),
                                Incoming.sourcedTypeInfo(TrainingMetric.class))
                        .name("split dead letters")
                        .uid("trigger-split-dead-letters");

        SingleOutputStreamOperator<GrowthDecision> decided =
                decoded.keyBy(record -> record.value().getRunId())
                        .process(
                                new PlateauTrigger(settings, graftVersion),
                                new AvroTypeInfo<>(GrowthDecision.class))
                        .name("plateau trigger")
                        .uid("trigger-plateau");

        decided.sinkTo(decisions).name("graft.decisions").uid("trigger-decisions-sink");

        decoded.getSideOutput(ProcessRejections.DEAD_LETTERS)
                .union(decided.getSideOutput(ProcessRejections.DEAD_LETTERS))
                .sinkTo(deadLetters)
                .name("graft.dlq")
                .uid("trigger-dlq-sink");
    }
}
