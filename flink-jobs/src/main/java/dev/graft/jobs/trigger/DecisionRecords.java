package dev.graft.jobs.trigger;

import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.growth.detect.DetectionMode;
import dev.graft.growth.detect.PlateauRule;
import dev.graft.growth.detect.RunDetectorRule;
import dev.graft.growth.detect.Signal;
import dev.graft.growth.detect.SignalKind;
import dev.graft.growth.policy.DecisionIds;
import dev.graft.growth.policy.PolicyOutcome;
import dev.graft.schema.Action;
import dev.graft.schema.DecisionStatus;
import dev.graft.schema.Evidence;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.Trigger;
import dev.graft.schema.WindowStats;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Builds {@link GrowthDecision} records from what the pure core decided: a detector's {@link
 * Signal} (its evidence), the policy's {@link PolicyOutcome.Act} (operator, options, source and
 * target architecture), a budget or a command. Decision ids are deterministic: detector triggers
 * hash (run, generation, trigger, step); budget and command triggers hash the budget's or command's
 * own id instead of the step, because the step at which they apply depends on how topics
 * interleave.
 */
final class DecisionRecords {
    static final String POLICY = "graft-policy/1";

    private DecisionRecords() {}

    /** The evidence of a detector's signal. */
    static Evidence evidence(Signal signal, RunDetectorRule rule) {
        PlateauRule p = rule.plateau();
        var e = signal.evidence();
        Map<String, Double> thresholds = new LinkedHashMap<>();
        Map<String, String> settings = new LinkedHashMap<>();
        String summary;
        String ruleName;
        if (signal.kind() == SignalKind.DIVERGENCE) {
            ruleName = "divergence";
            thresholds.put("spike_factor", rule.divergence().spikeFactor());
            thresholds.put("warmup_evaluations", (double) rule.divergence().warmupPoints());
            thresholds.put("cooldown", (double) rule.divergence().cooldown());
            settings.put("smoothing", rule.divergence().smoothing().toString());
            summary =
                    String.format(
                            Locale.ROOT,
                            "%s diverged at step %d: %s (value %s). Advisory: divergence is never a"
                                    + " growth; roll back or stop the run.",
                            signal.metric(),
                            signal.step(),
                            signal.reason(),
                            e.last());
        } else {
            ruleName = rule.mode() == DetectionMode.TREND ? "trend" : "plateau";
            thresholds.put("threshold", p.threshold());
            thresholds.put("patience", (double) p.patience());
            thresholds.put("cooldown", (double) p.cooldown());
            settings.put("detection_mode", rule.mode().key());
            if (rule.mode() == DetectionMode.TREND) {
                thresholds.put("window_points", (double) rule.trendWindowPoints());
                thresholds.put("horizon_steps", (double) rule.trendHorizonSteps());
                settings.put("smoothing", rule.smoothing().toString());
                summary =
                        String.format(
                                Locale.ROOT,
                                "%s's trend projects %.4g relative improvement over %d steps, below"
                                        + " %s, for %d evaluations; fired at step %d (slope %.4g"
                                        + " per step, patience %d).",
                                signal.metric(),
                                e.projectedImprovement(),
                                rule.trendHorizonSteps(),
                                p.threshold(),
                                e.badEvaluations(),
                                signal.step(),
                                e.slope(),
                                p.patience());
            } else {
                settings.put("threshold_mode", p.thresholdMode().name().toLowerCase(Locale.ROOT));
                settings.put("semantics", "torch.optim.lr_scheduler.ReduceLROnPlateau");
                if (rule.mode() != DetectionMode.RLROP) {
                    settings.put("smoothing", rule.smoothing().toString());
                }
                summary =
                        String.format(
                                Locale.ROOT,
                                "%s%s did not improve on its best %.6g (step %d) by more than %s %s"
                                        + " for %d evaluations; fired at step %d with %.6g (PyTorch"
                                        + " ReduceLROnPlateau semantics, patience %d).",
                                rule.mode() == DetectionMode.RLROP
                                        ? ""
                                        : rule.mode().key() + " of ",
                                signal.metric(),
                                e.best(),
                                e.bestStep(),
                                p.thresholdMode().name().toLowerCase(Locale.ROOT),
                                p.threshold(),
                                e.badEvaluations(),
                                signal.step(),
                                e.last(),
                                p.patience());
            }
        }
        boolean smoothed =
                rule.mode() != DetectionMode.RLROP || signal.kind() == SignalKind.DIVERGENCE;
        return Evidence.newBuilder()
                .setRule(ruleName)
                .setMetric(signal.metric())
                .setMode(p.mode().name().toLowerCase(Locale.ROOT))
                .setThresholds(thresholds)
                .setSettings(settings)
                .setWindow(
                        WindowStats.newBuilder()
                                .setCount(e.count())
                                .setFirstStep(e.firstStep())
                                .setLastStep(e.lastStep())
                                .setLast(e.last())
                                .setBest(Double.isNaN(e.best()) ? e.last() : e.best())
                                .setBestStep(
                                        e.bestStep() == dev.graft.growth.detect.Evidence.NO_STEP
                                                ? e.lastStep()
                                                : e.bestStep())
                                .setMean(Double.isNaN(e.mean()) ? null : e.mean())
                                .setSmoothed(
                                        smoothed && !Double.isNaN(e.smoothed())
                                                ? e.smoothed()
                                                : null)
                                .setSlopePerStep(Double.isNaN(e.slope()) ? null : e.slope())
                                .setBadEvaluations(e.badEvaluations())
                                .build())
                .setSummary(summary)
                .build();
    }

    /** Evidence of a budget or command trigger. */
    static Evidence eventEvidence(String rule, Map<String, String> settings, String summary) {
        return Evidence.newBuilder()
                .setRule(rule)
                .setMetric(null)
                .setMode(null)
                .setThresholds(Map.of())
                .setSettings(settings)
                .setWindow(null)
                .setSummary(summary)
                .build();
    }

    /** A decision that changes the model. */
    static GrowthDecision act(
            String decisionId,
            String run,
            int generation,
            long step,
            long wallTimeMs,
            Trigger trigger,
            Evidence evidence,
            PolicyOutcome.Act act,
            String graftVersion) {
        Map<String, String> options = new LinkedHashMap<>(act.options());
        return GrowthDecision.newBuilder()
                .setDecisionId(decisionId)
                .setRunId(run)
                .setGeneration(generation)
                .setStep(Math.max(0, step))
                .setWallTimeMs(wallTimeMs)
                .setTrigger(trigger)
                .setAction(
                        switch (act.change()) {
                            case GROW -> Action.GROW;
                            case SHRINK -> Action.SHRINK;
                            case UNSHARE -> Action.UNSHARE;
                        })
                .setStatus(DecisionStatus.NO_CHECKPOINT)
                .setEvidence(withPolicyReason(evidence, act.reason()))
                .setSourceCheckpoint(null)
                .setSourceArch(act.sourceArch() == null ? null : ArchSpecs.toAvro(act.sourceArch()))
                .setTargetArch(act.targetArch() == null ? null : ArchSpecs.toAvro(act.targetArch()))
                .setOperator(act.operator())
                .setOperatorOptions(options)
                .setSchedule(null)
                .setPolicy(POLICY)
                .setGraftVersion(graftVersion)
                .build();
    }

    /** An advisory decision (divergence): nothing to transform. */
    static GrowthDecision advisory(
            String run,
            int generation,
            Signal signal,
            long wallTimeMs,
            Evidence evidence,
            String v) {
        return GrowthDecision.newBuilder()
                .setDecisionId(
                        DecisionIds.of(run, generation, Trigger.DIVERGENCE.name(), signal.step()))
                .setRunId(run)
                .setGeneration(generation)
                .setStep(signal.step())
                .setWallTimeMs(wallTimeMs)
                .setTrigger(Trigger.DIVERGENCE)
                .setAction(Action.NONE)
                .setStatus(DecisionStatus.ADVISORY)
                .setEvidence(evidence)
                .setSourceCheckpoint(null)
                .setSourceArch(null)
                .setTargetArch(null)
                .setOperator("none")
                .setOperatorOptions(Map.of())
                .setSchedule(null)
                .setPolicy(POLICY)
                .setGraftVersion(v)
                .build();
    }

    private static Evidence withPolicyReason(Evidence evidence, String reason) {
        Map<String, String> settings = new LinkedHashMap<>(evidence.getSettings());
        settings.put("policy_reason", reason);
        return Evidence.newBuilder(evidence).setSettings(settings).build();
    }
}
