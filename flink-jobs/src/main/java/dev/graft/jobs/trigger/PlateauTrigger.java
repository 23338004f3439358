package dev.graft.jobs.trigger;

import dev.graft.connectors.kafka.Sourced;
import dev.graft.growth.detect.PlateauDetector;
import dev.graft.growth.detect.PlateauEvaluation;
import dev.graft.growth.detect.PlateauFiring;
import dev.graft.growth.detect.PlateauRule;
import dev.graft.growth.policy.DecisionIds;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.ProcessRejections;
import dev.graft.schema.Action;
import dev.graft.schema.DecisionStatus;
import dev.graft.schema.Evidence;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;
import dev.graft.schema.Trigger;
import dev.graft.schema.WindowStats;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;

/**
 * Watches one run's metric on the step axis with PyTorch ReduceLROnPlateau semantics and emits a
 * {@link GrowthDecision} when it fires.
 *
 * <p>Per run it keeps a {@link RunState}. A higher generation starts fresh state; a lower one, or a
 * step that goes backwards within a generation, goes to the dead-letter side output with the
 * reason; a repeated step is a duplicate delivery and is ignored (counted). At most {@code
 * maxDecisionsPerGeneration} decisions are made per generation: a grown run must come back as a new
 * generation before it grows again.
 */
public class PlateauTrigger
        extends KeyedProcessFunction<String, Sourced<TrainingMetric>, GrowthDecision> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PlateauTrigger.class);
    static final String NAME = "TriggerJob/plateau";

    private final GraftSettings settings;
    private final String graftVersion;

    private transient PlateauDetector detector;
    private transient ValueState<RunState> runState;
    private transient Counter evaluations;
    private transient Counter duplicates;
    private transient Counter withoutMetric;
    private transient Counter nonFinite;
    private transient Counter rejected;
    private transient Counter decisions;

    public PlateauTrigger(GraftSettings settings, String graftVersion) {
        this.settings = settings;
        this.graftVersion = graftVersion;
    }

    @Override
    public void open(OpenContext openContext) {
        detector = new PlateauDetector(settings.plateauRule());
        runState =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "run-state", TypeInformation.of(RunState.class)));
        var metrics = getRuntimeContext().getMetricGroup();
        evaluations = metrics.counter("evaluations");
        duplicates = metrics.counter("duplicateSteps");
        withoutMetric = metrics.counter("recordsWithoutMetric");
        nonFinite = metrics.counter("nonFiniteValues");
        rejected = metrics.counter("deadLetters");
        decisions = metrics.counter("decisions");
    }

    @Override
    public void processElement(
            Sourced<TrainingMetric> record, Context ctx, Collector<GrowthDecision> out)
            throws Exception {
        TrainingMetric metric = record.value();
        String run = metric.getRunId();
        int generation = metric.getGeneration();
        long step = metric.getStep();
        RunState state = runState.value();

        if (state == null || generation > state.generation()) {
            state = RunState.fresh(generation, settings.plateauRule().mode());
        } else if (generation < state.generation()) {
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
                            state.generation(),
                            generation,
                            step));
            return;
        }

        if (step == state.lastStep()) {
            duplicates.inc();
            LOG.debug("Run {} generation {}: duplicate step {} ignored", run, generation, step);
            return;
        }
        if (step < state.lastStep()) {
            reject(
                    ctx,
                    record,
                    run,
                    "OUT_OF_ORDER_STEP",
                    String.format(
                            Locale.ROOT,
                            "Run %s generation %d: step %d arrived after step %d. Steps must"
                                    + " increase within a generation; after restoring a checkpoint"
                                    + " send generation %d.",
                            run,
                            generation,
                            step,
                            state.lastStep(),
                            generation + 1));
            return;
        }

        PlateauRule rule = settings.plateauRule();
        Double value = metric.getMetrics().get(rule.metric());
        if (value == null) {
            withoutMetric.inc();
            runState.update(state.advancedTo(step, state.plateau()));
            return;
        }
        evaluations.inc();
        PlateauEvaluation evaluation = detector.evaluate(state.plateau(), step, value);
        if (evaluation.outcome() == PlateauEvaluation.Outcome.SKIPPED_NON_FINITE) {
            nonFinite.inc();
        }
        state = state.advancedTo(step, evaluation.state());
        if (evaluation.fired() && state.decisions() < settings.maxDecisionsPerGeneration()) {
            GrowthDecision decision = decide(metric, evaluation.firing().orElseThrow());
            out.collect(decision);
            decisions.inc();
            state = state.withDecision();
            LOG.info(
                    "Run {} generation {}: {} at step {} -> decision {}",
                    run,
                    generation,
                    rule.metric() + " plateau",
                    step,
                    decision.getDecisionId());
        }
        runState.update(state);
    }

    private void reject(
            Context ctx, Sourced<TrainingMetric> record, String run, String code, String message) {
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

    private GrowthDecision decide(TrainingMetric metric, PlateauFiring firing) {
        PlateauRule rule = settings.plateauRule();
        String trigger = Trigger.PLATEAU.name();
        String summary =
                String.format(
                        Locale.ROOT,
                        "%s did not improve on its best %.6g (step %d) by more than %s %s for %d"
                                + " evaluations; fired at step %d with %.6g (PyTorch"
                                + " ReduceLROnPlateau semantics, patience %d).",
                        rule.metric(),
                        firing.best(),
                        firing.bestStep(),
                        rule.thresholdMode().name().toLowerCase(Locale.ROOT),
                        rule.threshold(),
                        firing.badEvaluations(),
                        firing.step(),
                        firing.value(),
                        rule.patience());
        return GrowthDecision.newBuilder()
                .setDecisionId(
                        DecisionIds.of(
                                metric.getRunId(), metric.getGeneration(), trigger, firing.step()))
                .setRunId(metric.getRunId())
                .setGeneration(metric.getGeneration())
                .setStep(firing.step())
                .setWallTimeMs(metric.getWallTimeMs())
                .setTrigger(Trigger.PLATEAU)
                .setAction(Action.GROW)
                .setStatus(DecisionStatus.NO_CHECKPOINT)
                .setEvidence(
                        Evidence.newBuilder()
                                .setRule("plateau")
                                .setMetric(rule.metric())
                                .setMode(rule.mode().name().toLowerCase(Locale.ROOT))
                                .setThresholds(
                                        Map.of(
                                                "threshold", rule.threshold(),
                                                "patience", (double) rule.patience(),
                                                "cooldown", (double) rule.cooldown()))
                                .setSettings(
                                        Map.of(
                                                "threshold_mode",
                                                rule.thresholdMode()
                                                        .name()
                                                        .toLowerCase(Locale.ROOT),
                                                "semantics",
                                                "torch.optim.lr_scheduler.ReduceLROnPlateau"))
                                .setWindow(
                                        WindowStats.newBuilder()
                                                .setCount(firing.evaluations())
                                                .setFirstStep(firing.firstStep())
                                                .setLastStep(firing.step())
                                                .setLast(firing.value())
                                                .setBest(firing.best())
                                                .setBestStep(firing.bestStep())
                                                .setMean(firing.mean())
                                                .setSmoothed(null)
                                                .setSlopePerStep(null)
                                                .setBadEvaluations(firing.badEvaluations())
                                                .build())
                                .setSummary(summary)
                                .build())
                .setSourceCheckpoint(null)
                .setSourceArch(null)
                .setTargetArch(null)
                .setOperator(settings.growOperator())
                .setOperatorOptions(settings.growOptions())
                .setSchedule(null)
                .setPolicy("plateau-grow/1")
                .setGraftVersion(graftVersion)
                .build();
    }
}
