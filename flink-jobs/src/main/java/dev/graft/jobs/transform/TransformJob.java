package dev.graft.jobs.transform;

import dev.graft.connectors.kafka.Incoming;
import dev.graft.connectors.kafka.Sourced;
import dev.graft.connectors.transform.DecisionExecutor;
import dev.graft.connectors.transform.ProgressListener;
import dev.graft.jobs.DeadLetterSplit;
import dev.graft.jobs.ProcessRejections;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.GrowthDecision;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.operators.SlotSharingGroup;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.async.AsyncFunction;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Closes the loop: decisions in, published checkpoints out.
 *
 * <pre>
 * decisions ─▶ decode/split ─▶ actionable? ─▶ keyBy(decision_id) ─▶ once per decision
 *     ─▶ plan (async): N tensor groups, balanced by bytes (N = 1 below the split threshold)
 *     ─▶ group g to subtask g mod p ─▶ write group (async, in parallel): one shard, staged
 *     ─▶ keyBy(decision_id) ─▶ gather: all N shards, or the first failure, once
 *     ─▶ commit (async): config + index ▸ verify ▸ publish atomically ─▶ checkpoints.published
 *                                               failures also ─▶ dead letters
 * </pre>
 *
 * <p>The work itself is a {@link DecisionExecutor}; this class is wiring. Every step is idempotent
 * by decision id and its in-flight inputs live in Flink's checkpoints, so a restart runs unfinished
 * steps again and never publishes twice. With {@code graft.transform.gpu} the steps run in their
 * own slot-sharing group that requests Flink's {@code gpu} external resource and budgets ND4J's
 * native memory as task off-heap memory.
 */
public final class TransformJob {
    public static final String NAME = "graft-transform";

    private final Source<Incoming<GrowthDecision>, ?, ?> decisions;
    private final Sink<CheckpointPublished> published;
    private final Sink<DeadLetter> deadLetters;
    private final DecisionExecutor.Factory executors;
    private final ProgressListener.Factory progress;
    private final TransformSettings settings;

    public TransformJob(
            Source<Incoming<GrowthDecision>, ?, ?> decisions,
            Sink<CheckpointPublished> published,
            Sink<DeadLetter> deadLetters,
            DecisionExecutor.Factory executors,
            ProgressListener.Factory progress,
            TransformSettings settings) {
        this.decisions = Objects.requireNonNull(decisions, "decisions");
        this.published = Objects.requireNonNull(published, "published");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.executors = Objects.requireNonNull(executors, "executors");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** Adds the job's operators to {@code env}. */
    public void build(StreamExecutionEnvironment env) {
        SingleOutputStreamOperator<Sourced<GrowthDecision>> decoded =
                env.fromSource(
                                decisions,
                                WatermarkStrategy.noWatermarks(),
                                "graft.decisions",
                                Incoming.typeInfo(GrowthDecision.class))
                        .uid("transform-decisions-source")
                        .process(
                                new DeadLetterSplit<GrowthDecision>(),
                                Incoming.sourcedTypeInfo(GrowthDecision.class))
                        .name("split dead letters")
                        .uid("transform-split-dead-letters");

        SingleOutputStreamOperator<Sourced<GrowthDecision>> once =
                decoded.keyBy(d -> d.value().getDecisionId())
                        .process(
                                new OncePerDecision(),
                                Incoming.sourcedTypeInfo(GrowthDecision.class))
                        .name("actionable, once per decision")
                        .uid("transform-once-per-decision");

        SlotSharingGroup gpu =
                SlotSharingGroup.newBuilder("gpu-transform")
                        .setCpuCores(1.0)
                        .setTaskHeapMemoryMB(512)
                        .setTaskOffHeapMemory(MemorySize.ofMebiBytes(settings.offHeapMb()))
                        .setManagedMemory(MemorySize.ZERO)
                        .setExternalResource("gpu", 1.0)
                        .build();

        SingleOutputStreamOperator<GroupWork> planned =
                async(
                                once,
                                new PlanAsync(
                                        executors,
                                        progress,
                                        settings.capacity(),
                                        settings.timeout()),
                                GroupWork.TYPE)
                        .name("plan, split into tensor groups")
                        .uid("transform-plan");

        // Group g of every decision goes to subtask g mod parallelism: a decision's groups are
        // spread over all subtasks (hashing could put two on one and leave another idle).
        SingleOutputStreamOperator<GroupWork> written =
                async(
                                planned.partitionCustom(
                                        (Integer group, int subtasks) ->
                                                Math.floorMod(group, subtasks),
                                        w -> w.group),
                                new WriteGroupAsync(
                                        executors,
                                        progress,
                                        settings.capacity(),
                                        settings.timeout()),
                                GroupWork.TYPE)
                        .name("write tensor group")
                        .uid("transform-write-group");

        SingleOutputStreamOperator<CommitWork> gathered =
                written.keyBy(GroupWork::decisionId)
                        .process(new GatherGroups(), CommitWork.TYPE)
                        .name("gather groups, once per decision")
                        .uid("transform-gather-groups");

        SingleOutputStreamOperator<TransformResult> results =
                async(
                                gathered,
                                new CommitAsync(
                                        executors,
                                        progress,
                                        settings.capacity(),
                                        settings.timeout()),
                                TransformResult.TYPE)
                        .name("verify, commit once")
                        .uid("transform-commit");
        if (settings.gpu()) {
            planned.slotSharingGroup(gpu);
            written.slotSharingGroup(gpu);
            results.slotSharingGroup(gpu);
        }

        SingleOutputStreamOperator<CheckpointPublished> outcomes =
                results.process(
                                new FailuresToDeadLetters(),
                                new AvroTypeInfo<>(CheckpointPublished.class))
                        .name("outcomes")
                        .uid("transform-outcomes");
        outcomes.sinkTo(published)
                .name("graft.checkpoints.published")
                .uid("transform-published-sink");

        decoded.getSideOutput(ProcessRejections.DEAD_LETTERS)
                .union(
                        once.getSideOutput(ProcessRejections.DEAD_LETTERS),
                        outcomes.getSideOutput(ProcessRejections.DEAD_LETTERS))
                .sinkTo(deadLetters)
                .name("graft.dlq")
                .uid("transform-dlq-sink");
    }

    /**
     * One asynchronous transform step: unordered, at most {@code graft.transform.capacity} in
     * flight; a step still running {@code graft.transform.timeout} plus a minute's grace later
     * becomes a FAILED outcome ({@link ExecutorAsync#timeout}).
     */
    private <I, O> SingleOutputStreamOperator<O> async(
            DataStream<I> in, AsyncFunction<I, O> step, TypeInformation<O> type) {
        return AsyncDataStream.unorderedWait(
                        in,
                        step,
                        settings.timeout().toMillis() + 60_000,
                        TimeUnit.MILLISECONDS,
                        settings.capacity())
                .returns(type);
    }
}
