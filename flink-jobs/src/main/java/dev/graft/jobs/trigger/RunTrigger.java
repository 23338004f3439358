package dev.graft.jobs.trigger;

import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.connectors.kafka.Sourced;
import dev.graft.growth.detect.Evidence;
import dev.graft.growth.detect.MetricPoint;
import dev.graft.growth.detect.RunDetection;
import dev.graft.growth.detect.RunDetector;
import dev.graft.growth.detect.RunDetectorState;
import dev.graft.growth.detect.Signal;
import dev.graft.growth.detect.SignalKind;
import dev.graft.growth.detect.StepSequencer;
import dev.graft.growth.policy.Budget;
import dev.graft.growth.policy.CommandRequest;
import dev.graft.growth.policy.DecisionIds;
import dev.graft.growth.policy.GrowthPolicy;
import dev.graft.growth.policy.PolicyOutcome;
import dev.graft.growth.policy.RunFacts;
import dev.graft.growth.policy.SizeChange;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.ProcessRejections;
import dev.graft.schema.ArchSpec;
import dev.graft.schema.BudgetChange;
import dev.graft.schema.BudgetScope;
import dev.graft.schema.CheckpointSaved;
import dev.graft.schema.CommandAction;
import dev.graft.schema.DecisionStatus;
import dev.graft.schema.GrowthCommand;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;
import dev.graft.schema.Trigger;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The TriggerJob's per-run operator: thin wiring of the pure core ({@link StepSequencer}, {@link
 * RunDetector}, {@link GrowthPolicy}) to keyed state, processing-time timers, and Kafka's records.
 *
 * <h2>Per run (keyed by run_id)</h2>
 *
 * <ul>
 *   <li><b>Metrics</b>: a higher generation first evaluates what the old one had buffered, then
 *       starts fresh detector state (the gate's run warm-up carries over); a lower generation goes
 *       to the dead-letter output as {@code STALE_GENERATION}. Within a generation the {@link
 *       StepSequencer} puts steps back in order (bounded by {@code reorder.max-records} and {@code
 *       reorder.max-delay}), ignores duplicates, and sends steps that come too late (or rewind
 *       without a new generation) to the dead letters as {@code OUT_OF_ORDER_STEP}. Released values
 *       go through the {@link RunDetector}; a growth signal through an open gate asks the {@link
 *       GrowthPolicy}; a divergence becomes an ADVISORY decision at once.
 *   <li><b>CheckpointSaved</b>: kept (the newest few per generation); the newest one that states an
 *       architecture makes it the run's current one. A decision names the newest checkpoint of its
 *       run and generation at or before its step; without one it waits up to {@code
 *       checkpoint-wait} and is then emitted with status NO_CHECKPOINT.
 *   <li><b>GrowthCommand</b>: GROW / SHRINK / UNSHARE asked of the policy now; HOLD pauses
 *       automatic decisions until RELEASE; each command_id acts once; invalid ones go to the dead
 *       letters as {@code INVALID_COMMAND} or {@code BUDGET_EXCEEDED}, with who sent them.
 *   <li><b>BudgetChange</b>: run-scoped ones arrive keyed, fleet-scoped ones on the broadcast side
 *       and apply to each run at its next record; a run's own budget wins. A budget applies once
 *       its effective_from_ms is reached by the newest wall time the run has shown (of its metrics,
 *       checkpoints and commands).
 * </ul>
 *
 * <h2>Timers (processing time)</h2>
 *
 * The reorder buffer's quiet-run release ({@code reorder.max-delay} after a run's last record; a
 * restarted job first gives every run that long to be replayed, so a restart never turns a
 * reordering into a dead letter), a waiting decision's deadline, the idle timeout (a run that sent
 * nothing for {@code run-idle-timeout} is dead: its buffer is evaluated and its waiting decisions
 * emitted) and the state TTL (all of a silent run's state is dropped after {@code state-ttl}).
 */
public class RunTrigger
        extends KeyedBroadcastProcessFunction<String, RunEvent, BudgetChange, GrowthDecision> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RunTrigger.class);
    static final String NAME = "TriggerJob/run-trigger";
    static final String FLEET = "*";
    private static final int CHECKPOINTS_KEPT = 8;

    /** Broadcast state: the fleet budget under key {@value #FLEET}. */
    public static final MapStateDescriptor<String, BudgetChange> FLEET_BUDGET =
            new MapStateDescriptor<>(
                    "fleet-budget", Types.STRING, new AvroTypeInfo<>(BudgetChange.class));

    private final GraftSettings settings;
    private final String graftVersion;

    private transient RunDetector detector;
    private transient StepSequencer sequencer;

    /** Processing time of this instance's first record or timer: its start, or its restart. */
    private transient long startedAt = MetricPoint.NO_TIME;

    private transient GrowthPolicy policy;
    private transient ValueState<TrackedRun> runs;

    /** The run's state as versions before {@link TrackedRun} wrote it: read once, converted. */
    private transient ValueState<RunState> legacyRuns;

    /**
     * The fleet budget, as in the broadcast state: checked per released metric, so kept here (the
     * broadcast state changes only in {@link #processBroadcastElement}, on this same thread).
     */
    private transient BudgetChange fleetBudget;

    private transient boolean fleetBudgetRead;

    /** Values the sequencer released, reused (one operator thread; emptied before each use). */
    private transient List<MetricPoint> released;

    private transient ValueState<ArchSpec> currentArch;
    private transient ValueState<BudgetChange> runBudget;
    private transient ListState<CheckpointSaved> checkpoints;
    private transient ListState<PendingDecision> pending;
    private transient MapState<String, Boolean> commandsSeen;

    private transient int runsTracked;
    private transient Counter evaluations;
    private transient Counter duplicates;
    private transient Counter late;
    private transient Counter withoutMetric;
    private transient Counter rejected;
    private transient Counter decisions;
    private transient Counter decisionsWithoutCheckpoint;
    private transient Counter gated;
    private transient Counter held;
    private transient Counter runsIdle;
    private transient Histogram detectionLag;

    public RunTrigger(GraftSettings settings, String graftVersion) {
        this.settings = settings;
        this.graftVersion = graftVersion;
    }

    @Override
    public void open(OpenContext openContext) {
        detector = new RunDetector(settings.detection());
        sequencer =
                new StepSequencer(
                        settings.stream().reorderMaxRecords(),
                        settings.stream().reorderMaxDelay().toMillis());
        policy = new GrowthPolicy(settings.policy());
        var rc = getRuntimeContext();
        runs =
                rc.getState(
                        new ValueStateDescriptor<>(
                                "tracked-run",
                                new TrackedRunSerializer(
                                        rc.createSerializer(
                                                TypeInformation.of(RunDetectorState.class)))));
        // RunState is immutable: snapshots and reads need no copies.
        legacyRuns =
                rc.getState(
                        new ValueStateDescriptor<>(
                                "run",
                                new ImmutableValueSerializer<>(
                                        rc.createSerializer(TypeInformation.of(RunState.class)))));
        released = new ArrayList<>();
        currentArch =
                rc.getState(new ValueStateDescriptor<>("arch", new AvroTypeInfo<>(ArchSpec.class)));
        runBudget =
                rc.getState(
                        new ValueStateDescriptor<>(
                                "run-budget", new AvroTypeInfo<>(BudgetChange.class)));
        checkpoints =
                rc.getListState(
                        new ListStateDescriptor<>(
                                "checkpoints", new AvroTypeInfo<>(CheckpointSaved.class)));
        pending =
                rc.getListState(
                        new ListStateDescriptor<>("pending-decisions", PendingDecision.typeInfo()));
        commandsSeen =
                rc.getMapState(
                        new MapStateDescriptor<>("commands-seen", Types.STRING, Types.BOOLEAN));
        var m = rc.getMetricGroup();
        m.gauge("runsTracked", () -> runsTracked);
        evaluations = m.counter("evaluations");
        duplicates = m.counter("duplicateSteps");
        late = m.counter("lateSteps");
        withoutMetric = m.counter("recordsWithoutMetric");
        rejected = m.counter("deadLetters");
        decisions = m.counter("decisions");
        decisionsWithoutCheckpoint = m.counter("decisionsWithoutCheckpoint");
        gated = m.counter("signalsGated");
        held = m.counter("signalsHeldByPolicy");
        runsIdle = m.counter("runsIdle");
        detectionLag = m.histogram("detectionLagMs", new DescriptiveStatisticsHistogram(1_000));
    }

    // --- keyed side ---------------------------------------------------------------------------

    @Override
    public void processElement(RunEvent event, ReadOnlyContext ctx, Collector<GrowthDecision> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        if (startedAt == MetricPoint.NO_TIME) {
            startedAt = now;
        }
        TrackedRun state = tracked();
        if (state == null || state.idle) {
            runsTracked++;
        }
        if (state == null) {
            state = TrackedRun.started(sequencer.newBuffer(), detector.initialState(), now);
            ctx.timerService()
                    .registerProcessingTimeTimer(
                            now + settings.stream().runIdleTimeout().toMillis());
        } else if (state.idle) {
            ctx.timerService()
                    .registerProcessingTimeTimer(
                            now + settings.stream().runIdleTimeout().toMillis());
        }
        state.seen(now, MetricPoint.NO_TIME);
        if (event.metric != null) {
            onMetric(event.metric, state, ctx, out, now);
        } else if (event.checkpoint != null) {
            onCheckpoint(event.checkpoint, state, ctx, out, now);
        } else if (event.command != null) {
            onCommand(event.command, state, ctx, out, now);
        } else if (event.budget != null) {
            runBudget.update(event.budget.value());
            state.hasRunBudget = true;
            applyBudget(state, ctx, out, now);
        }
        runs.update(state);
    }

    /** The run's state, converted from the form older versions stored if that is what is there. */
    private TrackedRun tracked() throws Exception {
        TrackedRun state = runs.value();
        if (state == null) {
            RunState old = legacyRuns.value();
            if (old != null) {
                state = TrackedRun.of(old);
                legacyRuns.clear();
            }
        }
        return state;
    }

    private void onMetric(
            Sourced<TrainingMetric> record,
            TrackedRun state,
            ReadOnlyContext ctx,
            Collector<GrowthDecision> out,
            long now)
            throws Exception {
        TrainingMetric metric = record.value();
        String run = metric.getRunId();
        int generation = metric.getGeneration();
        long step = metric.getStep();
        if (generation < state.generation) {
            reject(
                    ctx,
                    record,
                    run,
                    "STALE_GENERATION",
                    String.format(
                            Locale.ROOT,
                            "Run %s is at generation %d, but a record of generation %d (step %d)"
                                    + " arrived after it. Generations only increase; a trainer that"
                                    + " restores a checkpoint must send a higher generation.",
                            run,
                            state.generation,
                            generation,
                            step));
            return;
        }
        if (generation > state.generation) {
            // What the old generation buffered is still its data: evaluate it first.
            released.clear();
            sequencer.flush(state.sequence, released);
            evaluate(released, state, ctx, out, now);
            state.newGeneration(
                    generation,
                    sequencer.newBuffer(),
                    detector.newGeneration(state.detection, step));
        }
        state.seen(now, metric.getWallTimeMs());
        Double value = metric.getMetrics().get(settings.metric());
        if (value == null) {
            withoutMetric.inc();
            return;
        }
        boolean wasEmpty = !state.sequence.hasBuffered();
        released.clear();
        StepSequencer.Verdict verdict =
                sequencer.offer(state.sequence, step, metric.getWallTimeMs(), value, now, released);
        switch (verdict) {
            case DUPLICATE -> {
                duplicates.inc();
                return;
            }
            case LATE -> {
                late.inc();
                reject(
                        ctx,
                        record,
                        run,
                        "OUT_OF_ORDER_STEP",
                        String.format(
                                Locale.ROOT,
                                "Run %s generation %d: step %d arrived after step %d had been"
                                        + " evaluated, later than the reorder bound (%d records,"
                                        + " %d ms) allows. Steps must increase within a"
                                        + " generation; after restoring a checkpoint send"
                                        + " generation %d.",
                                run,
                                generation,
                                step,
                                state.sequence.lastStep(),
                                sequencer.maxBuffered(),
                                sequencer.maxDelayMillis(),
                                generation + 1));
                return;
            }
            default -> {}
        }
        if (wasEmpty && state.sequence.hasBuffered()) {
            ctx.timerService()
                    .registerProcessingTimeTimer(sequencer.deadlineMillis(state.sequence));
        }
        evaluate(released, state, ctx, out, now);
    }

    /** Runs released values through the detectors, the gate and the policy. */
    private void evaluate(
            List<MetricPoint> points,
            TrackedRun state,
            ReadOnlyContext ctx,
            Collector<GrowthDecision> out,
            long now)
            throws Exception {
        if (points.isEmpty()) {
            return;
        }
        String run = ctx.getCurrentKey();
        // A budget takes effect when the run's wall time reaches it: check before the batch.
        long newestWall = state.lastWallTimeMs;
        for (int i = 0; i < points.size(); i++) {
            newestWall = Math.max(newestWall, points.get(i).wallTimeMillis());
        }
        state.lastWallTimeMs = newestWall;
        applyBudget(state, ctx, out, now);
        for (int i = 0; i < points.size(); i++) {
            MetricPoint p = points.get(i);
            evaluations.inc();
            RunDetection d =
                    detector.evaluate(state.detection, p.step(), p.wallTimeMillis(), p.value());
            state.evaluated(d.state(), p.step(), p.wallTimeMillis());
            if (d.divergence().isPresent()) {
                Signal s = d.divergence().get();
                GrowthDecision advisory =
                        DecisionRecords.advisory(
                                run,
                                state.generation,
                                s,
                                p.wallTimeMillis(),
                                DecisionRecords.evidence(s, settings.detection()),
                                graftVersion);
                CheckpointSaved c = newestAtOrBefore(state.generation, s.step());
                if (c != null) {
                    advisory.setSourceCheckpoint(c.getCheckpoint());
                    advisory.setSourceArch(c.getArch());
                }
                emit(advisory, out, now, p.wallTimeMillis());
            }
            if (d.growth().isEmpty()) {
                continue;
            }
            Signal s = d.growth().get();
            if (!d.verdict().isOpen()) {
                gated.inc();
                LOG.debug(
                        "Run {}: {} at step {} held by the gate: {}",
                        run,
                        s.kind(),
                        s.step(),
                        d.verdict());
                continue;
            }
            if (state.decisions >= settings.maxDecisionsPerGeneration()) {
                continue;
            }
            PolicyOutcome outcome = policy.onPlateau(facts(state, ctx));
            if (outcome instanceof PolicyOutcome.Act act) {
                Trigger trigger = s.kind() == SignalKind.TREND ? Trigger.TREND : Trigger.PLATEAU;
                GrowthDecision decision =
                        DecisionRecords.act(
                                DecisionIds.of(run, state.generation, trigger.name(), s.step()),
                                run,
                                state.generation,
                                s.step(),
                                p.wallTimeMillis(),
                                trigger,
                                DecisionRecords.evidence(s, settings.detection()),
                                act,
                                graftVersion);
                state.detection = detector.afterAction(state.detection, s.step());
                state.acted(true, act.change() == SizeChange.GROW);
                attachOrWait(decision, ctx, out, now, p.wallTimeMillis());
            } else {
                held.inc();
                LOG.info(
                        "Run {}: {} at step {} not acted on: {}",
                        run,
                        s.kind(),
                        s.step(),
                        outcome.reason());
            }
        }
    }

    private void onCheckpoint(
            Sourced<CheckpointSaved> record,
            TrackedRun state,
            ReadOnlyContext ctx,
            Collector<GrowthDecision> out,
            long now)
            throws Exception {
        CheckpointSaved saved = record.value();
        int generation = saved.getCheckpoint().getGeneration();
        // The run's clock for budgets' effective_from_ms: the newest wall time it has shown.
        state.seen(now, saved.getWallTimeMs());
        List<CheckpointSaved> kept = new ArrayList<>();
        for (CheckpointSaved c : checkpoints.get()) {
            if (c.getCheckpoint().getGeneration() >= state.generation
                    && !c.getCheckpoint().getUri().equals(saved.getCheckpoint().getUri())) {
                kept.add(c);
            }
        }
        if (generation < state.generation) {
            // Too old to be the source of any future decision; it may still be a waiting one's.
            emitPendingFor(saved, ctx, out, now);
            return;
        }
        kept.add(saved);
        kept.sort(
                Comparator.comparingInt((CheckpointSaved c) -> c.getCheckpoint().getGeneration())
                        .thenComparingLong(c -> c.getCheckpoint().getStep()));
        if (kept.size() > CHECKPOINTS_KEPT) {
            kept = new ArrayList<>(kept.subList(kept.size() - CHECKPOINTS_KEPT, kept.size()));
        }
        checkpoints.update(kept);
        if (saved.getArch() != null && kept.get(kept.size() - 1) == saved) {
            ArchSpec before = currentArch.value();
            if (!saved.getArch().equals(before)) {
                currentArch.update(saved.getArch());
                state.budgetApplied = ""; // check the budget against the new size
            }
        }
        emitPendingFor(saved, ctx, out, now);
        applyBudget(state, ctx, out, now);
    }

    private void onCommand(
            Sourced<GrowthCommand> record,
            TrackedRun state,
            ReadOnlyContext ctx,
            Collector<GrowthDecision> out,
            long now)
            throws Exception {
        GrowthCommand command = record.value();
        String run = command.getRunId();
        state.seen(now, command.getWallTimeMs());
        String who =
                String.format(
                        Locale.ROOT,
                        "command %s (%s) from %s",
                        command.getCommandId(),
                        command.getAction(),
                        command.getIssuedBy().isBlank() ? "(unknown)" : command.getIssuedBy());
        if (commandsSeen.contains(command.getCommandId())) {
            duplicates.inc();
            return;
        }
        commandsSeen.put(command.getCommandId(), true);
        CommandAction action = command.getAction();
        if (action == CommandAction.HOLD || action == CommandAction.RELEASE) {
            LOG.info(
                    "Run {}: {}: automatic decisions {}",
                    run,
                    who,
                    action == CommandAction.HOLD ? "held" : "released");
            state.held = action == CommandAction.HOLD;
            return;
        }
        SizeChange change =
                switch (action) {
                    case GROW -> SizeChange.GROW;
                    case SHRINK -> SizeChange.SHRINK;
                    case UNSHARE -> SizeChange.UNSHARE;
                    default -> null;
                };
        if (change == null) {
            reject(
                    ctx,
                    record,
                    run,
                    "INVALID_COMMAND",
                    who
                            + ": action must be GROW, SHRINK, UNSHARE, HOLD or RELEASE, found "
                            + action);
            return;
        }
        dev.graft.growth.arch.ArchSpec target = null;
        if (command.getTargetArch() != null) {
            try {
                target = ArchSpecs.fromAvro(command.getTargetArch());
            } catch (IllegalArgumentException e) {
                reject(
                        ctx,
                        record,
                        run,
                        "INVALID_COMMAND",
                        who + ": target_arch is invalid: " + e.getMessage());
                return;
            }
        }
        PolicyOutcome outcome =
                policy.onCommand(
                        facts(state, ctx),
                        new CommandRequest(
                                change, target, command.getOperator(), command.getOptions()));
        if (!(outcome instanceof PolicyOutcome.Act act)) {
            PolicyOutcome.Reject r = (PolicyOutcome.Reject) outcome;
            reject(ctx, record, run, r.code(), who + ": " + r.reason());
            return;
        }
        Map<String, String> settingsMap = new LinkedHashMap<>();
        settingsMap.put("command_id", command.getCommandId());
        settingsMap.put("action", action.name());
        settingsMap.put("issued_by", command.getIssuedBy());
        settingsMap.put("reason", command.getReason());
        GrowthDecision decision =
                DecisionRecords.act(
                        DecisionIds.ofEvent(
                                run,
                                state.generation,
                                Trigger.COMMAND.name(),
                                command.getCommandId()),
                        run,
                        state.generation,
                        state.lastStep,
                        command.getWallTimeMs(),
                        Trigger.COMMAND,
                        DecisionRecords.eventEvidence(
                                "command",
                                settingsMap,
                                who
                                        + " asked to "
                                        + change.name().toLowerCase(Locale.ROOT)
                                        + (command.getReason().isBlank()
                                                ? ""
                                                : ": " + command.getReason())),
                        act,
                        graftVersion);
        state.acted(false, change == SizeChange.GROW);
        if (state.lastStep != Evidence.NO_STEP) {
            state.detection = detector.afterAction(state.detection, state.lastStep);
        }
        attachOrWait(decision, ctx, out, now, command.getWallTimeMs());
    }

    /** Applies the budget in force if it changed since the last one applied and is effective. */
    private void applyBudget(
            TrackedRun state, ReadOnlyContext ctx, Collector<GrowthDecision> out, long now)
            throws Exception {
        BudgetChange change = effectiveBudget(state, ctx);
        if (change == null || change.getBudgetId().equals(state.budgetApplied)) {
            return;
        }
        state.budgetApplied = change.getBudgetId();
        Budget budget = budget(change);
        if (budget == null) {
            return;
        }
        String run = ctx.getCurrentKey();
        PolicyOutcome outcome = policy.onBudget(facts(state, ctx));
        if (!(outcome instanceof PolicyOutcome.Act act)) {
            LOG.info("Run {}: budget {}: {}", run, change.getBudgetId(), outcome.reason());
            return;
        }
        Map<String, String> settingsMap = new LinkedHashMap<>();
        settingsMap.put("budget_id", change.getBudgetId());
        settingsMap.put("scope", change.getScope().name());
        settingsMap.put("caps", budget.describe());
        settingsMap.put("grow_policy", change.getGrowPolicy().name());
        settingsMap.put("issued_by", change.getIssuedBy());
        settingsMap.put("reason", change.getReason());
        GrowthDecision decision =
                DecisionRecords.act(
                        DecisionIds.ofEvent(
                                run, state.generation, Trigger.BUDGET.name(), change.getBudgetId()),
                        run,
                        state.generation,
                        state.lastStep,
                        state.lastWallTimeMs == MetricPoint.NO_TIME
                                ? change.getEffectiveFromMs()
                                : state.lastWallTimeMs,
                        Trigger.BUDGET,
                        DecisionRecords.eventEvidence("budget", settingsMap, act.reason()),
                        act,
                        graftVersion);
        state.acted(false, act.change() == SizeChange.GROW);
        if (state.lastStep != Evidence.NO_STEP) {
            state.detection = detector.afterAction(state.detection, state.lastStep);
        }
        attachOrWait(decision, ctx, out, now, state.lastWallTimeMs);
    }

    private BudgetChange effectiveBudget(TrackedRun state, ReadOnlyContext ctx) throws Exception {
        BudgetChange own = state.hasRunBudget ? runBudget.value() : null;
        if (own != null && own.getEffectiveFromMs() <= state.lastWallTimeMs) {
            return own;
        }
        if (!fleetBudgetRead) {
            fleetBudget = ctx.getBroadcastState(FLEET_BUDGET).get(FLEET); // restored state
            fleetBudgetRead = true;
        }
        BudgetChange all = fleetBudget;
        if (all != null && all.getEffectiveFromMs() <= state.lastWallTimeMs) {
            return all;
        }
        return null;
    }

    private RunFacts facts(TrackedRun state, ReadOnlyContext ctx) throws Exception {
        ArchSpec arch = currentArch.value();
        BudgetChange change = effectiveBudget(state, ctx);
        Budget budget = change == null ? null : budget(change);
        return new RunFacts(
                arch == null ? null : ArchSpecs.fromAvro(arch),
                state.growths,
                state.held,
                budget == null ? Budget.unlimited() : budget);
    }

    static Budget budget(BudgetChange c) {
        try {
            return new Budget(
                    c.getBudgetId(),
                    c.getMaxParameters(),
                    c.getMaxMemoryBytes(),
                    c.getMaxFlopsPerToken(),
                    switch (c.getGrowPolicy()) {
                        case NOW -> Budget.GrowWhen.NOW;
                        case NEVER -> Budget.GrowWhen.NEVER;
                        default -> Budget.GrowWhen.AT_NEXT_PLATEAU;
                    });
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // --- checkpoints and waiting decisions ----------------------------------------------------

    private CheckpointSaved newestAtOrBefore(int generation, long step) throws Exception {
        CheckpointSaved best = null;
        for (CheckpointSaved c : checkpoints.get()) {
            var ref = c.getCheckpoint();
            if (ref.getGeneration() == generation
                    && ref.getStep() <= step
                    && (best == null || ref.getStep() > best.getCheckpoint().getStep())) {
                best = c;
            }
        }
        return best;
    }

    private void attachOrWait(
            GrowthDecision decision,
            ReadOnlyContext ctx,
            Collector<GrowthDecision> out,
            long now,
            long wallTimeMs)
            throws Exception {
        CheckpointSaved c = newestAtOrBefore(decision.getGeneration(), decision.getStep());
        if (c != null) {
            emit(ready(decision, c), out, now, wallTimeMs);
            return;
        }
        long wait = settings.stream().checkpointWait().toMillis();
        if (wait == 0) {
            decisionsWithoutCheckpoint.inc();
            emit(decision, out, now, wallTimeMs);
            return;
        }
        pending.add(new PendingDecision(decision, now + wait));
        ctx.timerService().registerProcessingTimeTimer(now + wait);
        LOG.info(
                "Run {}: decision {} waits up to {} ms for a checkpoint of generation {} at or before step {}",
                decision.getRunId(),
                decision.getDecisionId(),
                wait,
                decision.getGeneration(),
                decision.getStep());
    }

    private void emitPendingFor(
            CheckpointSaved saved, ReadOnlyContext ctx, Collector<GrowthDecision> out, long now)
            throws Exception {
        List<PendingDecision> waiting = new ArrayList<>();
        boolean changed = false;
        for (PendingDecision p : pending.get()) {
            var ref = saved.getCheckpoint();
            if (ref.getGeneration() == p.decision.getGeneration()
                    && ref.getStep() <= p.decision.getStep()) {
                emit(ready(p.decision, saved), out, now, p.decision.getWallTimeMs());
                changed = true;
            } else {
                waiting.add(p);
            }
        }
        if (changed) {
            pending.update(waiting);
        }
    }

    private static GrowthDecision ready(GrowthDecision decision, CheckpointSaved c) {
        GrowthDecision d = GrowthDecision.newBuilder(decision).build();
        d.setSourceCheckpoint(c.getCheckpoint());
        if (c.getArch() != null) {
            d.setSourceArch(c.getArch());
        }
        d.setStatus(DecisionStatus.READY);
        return d;
    }

    private void emit(GrowthDecision d, Collector<GrowthDecision> out, long now, long wallTimeMs) {
        out.collect(d);
        decisions.inc();
        if (wallTimeMs != MetricPoint.NO_TIME && wallTimeMs > 0) {
            detectionLag.update(Math.max(0, now - wallTimeMs));
        }
        LOG.info(
                "Run {} generation {}: {} {} at step {} -> decision {} ({})",
                d.getRunId(),
                d.getGeneration(),
                d.getTrigger(),
                d.getAction(),
                d.getStep(),
                d.getDecisionId(),
                d.getStatus());
    }

    // --- timers -------------------------------------------------------------------------------

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<GrowthDecision> out)
            throws Exception {
        TrackedRun state = tracked();
        if (state == null) {
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        if (startedAt == MetricPoint.NO_TIME) {
            startedAt = now;
        }

        // A run is quiet when it sent nothing for max-delay since its last record, or since this
        // instance (re)started: after a restore, its records may still be on their way back.
        long replayedBy = startedAt + sequencer.maxDelayMillis();
        if (now >= replayedBy) {
            released.clear();
            sequencer.releaseDue(state.sequence, now, released);
            evaluate(released, state, ctx, out, now);
        }
        if (state.sequence.hasBuffered()) {
            ctx.timerService()
                    .registerProcessingTimeTimer(
                            Math.max(sequencer.deadlineMillis(state.sequence), replayedBy));
        }
        emitExpired(now, false, out);

        long idleAt = state.lastSeenMillis + settings.stream().runIdleTimeout().toMillis();
        long ttlAt = state.lastSeenMillis + settings.stream().stateTtl().toMillis();
        if (!state.idle && now >= idleAt) {
            // A dead run: evaluate what it buffered, emit what waits, stop counting it.
            released.clear();
            sequencer.flush(state.sequence, released);
            evaluate(released, state, ctx, out, now);
            emitExpired(now, true, out);
            state.idle = true;
            runsTracked--;
            runsIdle.inc();
            LOG.info(
                    "Run {}: no record for {}; taken as dead",
                    ctx.getCurrentKey(),
                    settings.stream().runIdleTimeout());
            ctx.timerService().registerProcessingTimeTimer(ttlAt);
        } else if (!state.idle) {
            ctx.timerService().registerProcessingTimeTimer(idleAt);
        } else if (now >= ttlAt) {
            clearAll();
            return;
        }
        runs.update(state);
    }

    private void emitExpired(long now, boolean all, Collector<GrowthDecision> out)
            throws Exception {
        List<PendingDecision> waiting = new ArrayList<>();
        boolean changed = false;
        for (PendingDecision p : pending.get()) {
            if (all || p.deadlineMillis <= now) {
                decisionsWithoutCheckpoint.inc();
                emit(p.decision, out, now, p.decision.getWallTimeMs());
                changed = true;
            } else {
                waiting.add(p);
            }
        }
        if (changed) {
            pending.update(waiting);
        }
    }

    private void clearAll() {
        runs.clear();
        legacyRuns.clear();
        currentArch.clear();
        runBudget.clear();
        checkpoints.clear();
        pending.clear();
        commandsSeen.clear();
    }

    // --- broadcast side -----------------------------------------------------------------------

    @Override
    public void processBroadcastElement(
            BudgetChange budget, Context ctx, Collector<GrowthDecision> out) throws Exception {
        BroadcastState<String, BudgetChange> fleet = ctx.getBroadcastState(FLEET_BUDGET);
        fleet.put(FLEET, budget);
        fleetBudget = budget;
        fleetBudgetRead = true;
        // Each run applies it at its next record (the run's checkpoints and arch live in keyed
        // state the broadcast side cannot join consistently).
        LOG.info(
                "Fleet budget {} ({}) stored",
                budget.getBudgetId(),
                budget.getScope() == BudgetScope.FLEET ? "fleet" : budget.getScope());
    }

    private <T extends SpecificRecord> void reject(
            ReadOnlyContext ctx, Sourced<T> record, String run, String code, String message) {
        rejected.inc();
        LOG.warn(
                "Dead letter {} {}: {}",
                code,
                record.topic + "[" + record.partition + "]@" + record.offset,
                message);
        ctx.output(
                ProcessRejections.DEAD_LETTERS,
                ProcessRejections.rejected(
                        record, run, code, message, NAME, System.currentTimeMillis()));
    }
}
