package dev.graft.jobs.trigger;

import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.connectors.kafka.Sourced;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.Norm;
import dev.graft.growth.arch.NormPlacement;
import dev.graft.growth.policy.DecisionIds;
import dev.graft.growth.tensor.DType;
import dev.graft.jobs.GraftOptions;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.ProcessRejections;
import dev.graft.schema.Action;
import dev.graft.schema.BudgetChange;
import dev.graft.schema.BudgetScope;
import dev.graft.schema.CheckpointRef;
import dev.graft.schema.CheckpointSaved;
import dev.graft.schema.CommandAction;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.DecisionStatus;
import dev.graft.schema.GrowPolicy;
import dev.graft.schema.GrowthCommand;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;
import dev.graft.schema.Trigger;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The run trigger operator: its state, its timers, its outputs and its dead letters, without a
 * cluster. Each test configures only what it is about; the base is the PyTorch docs' example rule
 * (patience 2 fires on the third bad evaluation).
 */
class RunTriggerTest {
    private KeyedBroadcastOperatorTestHarness<String, RunEvent, BudgetChange, GrowthDecision>
            harness;
    private final AtomicLong offsets = new AtomicLong();
    private Configuration conf;

    private void open(Consumer<Configuration> options) throws Exception {
        conf = new Configuration();
        conf.set(GraftOptions.TRIGGER_PLATEAU_PATIENCE, 2);
        conf.set(GraftOptions.TRIGGER_REORDER_MAX_RECORDS, 0);
        conf.set(GraftOptions.TRIGGER_CHECKPOINT_WAIT, Duration.ZERO);
        options.accept(conf);
        harness = newHarness();
        harness.open();
    }

    private KeyedBroadcastOperatorTestHarness<String, RunEvent, BudgetChange, GrowthDecision>
            newHarness() throws Exception {
        GraftSettings settings = GraftSettings.from(conf);
        var h =
                new KeyedBroadcastOperatorTestHarness<>(
                        new CoBroadcastWithKeyedOperator<>(
                                new RunTrigger(settings, "test"), List.of(RunTrigger.FLEET_BUDGET)),
                        RunEvent::runId,
                        Types.STRING,
                        1,
                        1,
                        0);
        h.setup(
                new AvroTypeInfo<>(GrowthDecision.class)
                        .createSerializer(h.getExecutionConfig().getSerializerConfig()));
        return h;
    }

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private <T extends SpecificRecord> Sourced<T> sourced(T value, String topic) {
        return new Sourced<>(value, topic, 0, offsets.getAndIncrement(), 0L, null, new byte[] {1});
    }

    private void send(String run, int generation, long step, double loss) throws Exception {
        send(run, generation, step, Map.of("loss", loss));
    }

    private void send(String run, int generation, long step, Map<String, Double> metrics)
            throws Exception {
        TrainingMetric metric =
                TrainingMetric.newBuilder()
                        .setRunId(run)
                        .setGeneration(generation)
                        .setStep(step)
                        .setWallTimeMs(1_000 + step)
                        .setMetrics(metrics)
                        .setSplit("train")
                        .setTokensSeen(null)
                        .setSource(null)
                        .build();
        harness.processElement(new StreamRecord<>(RunEvent.metric(sourced(metric, "graft.metrics"))));
    }

    private void checkpoint(String run, int generation, long step, ArchSpec arch) throws Exception {
        CheckpointSaved saved =
                CheckpointSaved.newBuilder()
                        .setRunId(run)
                        .setCheckpoint(
                                CheckpointRef.newBuilder()
                                        .setUri("file:///ckpt/" + run + "/" + generation + "/" + step)
                                        .setGeneration(generation)
                                        .setStep(step)
                                        .setSha256(null)
                                        .build())
                        .setWallTimeMs(1_000 + step)
                        .setArch(arch == null ? null : ArchSpecs.toAvro(arch))
                        .build();
        harness.processElement(
                new StreamRecord<>(RunEvent.checkpoint(sourced(saved, "graft.checkpoints.saved"))));
    }

    private void command(String run, String id, CommandAction action, String operator)
            throws Exception {
        GrowthCommand command =
                GrowthCommand.newBuilder()
                        .setRunId(run)
                        .setCommandId(id)
                        .setAction(action)
                        .setTargetArch(null)
                        .setOperator(operator)
                        .setWallTimeMs(5_000)
                        .setIssuedBy("alice")
                        .setReason("testing")
                        .build();
        harness.processElement(
                new StreamRecord<>(RunEvent.command(sourced(command, "graft.commands"))));
    }

    private static BudgetChange budget(String run, String id, Long maxParameters, GrowPolicy grow) {
        return BudgetChange.newBuilder()
                .setRunId(run)
                .setBudgetId(id)
                .setScope(run.equals("*") ? BudgetScope.FLEET : BudgetScope.RUN)
                .setMaxParameters(maxParameters)
                .setMaxMemoryBytes(null)
                .setMaxFlopsPerToken(null)
                .setEffectiveFromMs(0)
                .setGrowPolicy(grow)
                .setIssuedBy("ops")
                .setReason("capacity")
                .build();
    }

    private void runBudget(BudgetChange b) throws Exception {
        harness.processElement(new StreamRecord<>(RunEvent.budget(sourced(b, "graft.budget"))));
    }

    private List<GrowthDecision> decisions() {
        return harness.extractOutputValues();
    }

    private List<DeadLetter> deadLetters() {
        return harness.getSideOutput(ProcessRejections.DEAD_LETTERS) == null
                ? List.of()
                : harness.getSideOutput(ProcessRejections.DEAD_LETTERS).stream()
                        .map(StreamRecord::getValue)
                        .toList();
    }

    static ArchSpec gpt2(int hidden, int layers, int groups) {
        return new ArchSpec(
                Family.GPT2, 50257, hidden, layers, hidden / 64, hidden / 64, 64, 4 * hidden, 1024,
                Norm.LAYERNORM, 1e-5, NormPlacement.PRE, "gelu_new", true, groups, null, DType.F32,
                Map.of());
    }

    /** Three bad evaluations after the first: fires at {@code first + 3}. */
    private void plateau(String run, int generation, long first) throws Exception {
        for (long step = first; step <= first + 3; step++) {
            send(run, generation, step, 1.0);
        }
    }

    // --- the PyTorch rule, duplicates, generations ---------------------------------------------

    @Test
    void firesOnTheThirdBadEvaluationWithPatienceTwoAndKeepsStatePerRun() throws Exception {
        open(c -> {});
        send("r1", 0, 1, 1.0);
        send("r1", 0, 2, 1.0); // bad 1
        send("r1", 0, 3, 1.0); // bad 2
        assertThat(decisions()).isEmpty();
        send("r2", 0, 1, 5.0);
        send("r1", 0, 4, 1.0); // bad 3 -> fires

        assertThat(decisions())
                .singleElement()
                .satisfies(
                        d -> {
                            assertThat(d.getRunId()).isEqualTo("r1");
                            assertThat(d.getStep()).isEqualTo(4);
                            assertThat(d.getTrigger()).isEqualTo(Trigger.PLATEAU);
                            assertThat(d.getAction()).isEqualTo(Action.GROW);
                            assertThat(d.getStatus()).isEqualTo(DecisionStatus.NO_CHECKPOINT);
                            assertThat(d.getOperator()).isEqualTo("lemon");
                            assertThat(d.getOperatorOptions())
                                    .containsEntry("width_factor", "2")
                                    .containsEntry("depth_factor", "2");
                            assertThat(d.getEvidence().getWindow().getBadEvaluations())
                                    .isEqualTo(3);
                            assertThat(d.getEvidence().getWindow().getBestStep()).isEqualTo(1);
                            assertThat(d.getEvidence().getSummary()).contains("patience 2");
                            assertThat(d.getDecisionId())
                                    .isEqualTo(DecisionIds.of("r1", 0, "PLATEAU", 4));
                        });
    }

    @Test
    void duplicateStepsAreIgnoredNotCountedAsBadEvaluations() throws Exception {
        open(c -> {});
        send("r1", 0, 1, 1.0);
        send("r1", 0, 2, 1.0);
        send("r1", 0, 2, 1.0); // redelivered
        send("r1", 0, 2, 1.0); // redelivered
        assertThat(decisions()).isEmpty();
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void stepsGoingBackwardsAndStaleGenerationsGoToTheDeadLetterOutputWithTheReason()
            throws Exception {
        open(c -> {});
        send("r1", 1, 10, 1.0);
        send("r1", 1, 5, 1.0);
        send("r1", 0, 20, 1.0);

        assertThat(deadLetters())
                .extracting(d -> d.getError().getCode())
                .containsExactly("OUT_OF_ORDER_STEP", "STALE_GENERATION");
        assertThat(deadLetters().get(0).getError().getMessage())
                .contains("r1", "step 5 arrived after step 10", "send generation 2");
        assertThat(deadLetters().get(0).getOffset()).isEqualTo(1);
        assertThat(deadLetters().get(1).getError().getMessage())
                .contains("generation 1", "generation 0 (step 20)");
        assertThat(decisions()).isEmpty();
    }

    @Test
    void aNewGenerationStartsFreshAndMayDecideAgain() throws Exception {
        open(c -> {});
        for (long step = 1; step <= 4; step++) {
            send("r1", 0, step, 1.0);
        }
        // Later firings in generation 0 are suppressed: at most one decision per generation.
        for (long step = 5; step <= 12; step++) {
            send("r1", 0, step, 1.0);
        }
        assertThat(decisions()).hasSize(1);
        // The restored run rewinds its steps in generation 1.
        for (long step = 1; step <= 4; step++) {
            send("r1", 1, step, 2.0);
        }
        assertThat(decisions())
                .extracting(GrowthDecision::getGeneration, GrowthDecision::getStep)
                .containsExactly(Tuple.tuple(0, 4L), Tuple.tuple(1, 4L));
        assertThat(decisions().get(0).getDecisionId())
                .isNotEqualTo(decisions().get(1).getDecisionId());
    }

    @Test
    void nonFiniteLossesAreNotPlateauEvidenceButOneAdvisoryDivergence() throws Exception {
        open(c -> {});
        send("r1", 0, 1, 1.0);
        send("r1", 0, 2, Double.NaN);
        send("r1", 0, 3, Double.POSITIVE_INFINITY);
        send("r1", 0, 4, Double.NaN);
        assertThat(decisions())
                .singleElement()
                .satisfies(
                        d -> {
                            assertThat(d.getTrigger()).isEqualTo(Trigger.DIVERGENCE);
                            assertThat(d.getAction()).isEqualTo(Action.NONE);
                            assertThat(d.getStatus()).isEqualTo(DecisionStatus.ADVISORY);
                            assertThat(d.getStep()).isEqualTo(2);
                            assertThat(d.getEvidence().getRule()).isEqualTo("divergence");
                            assertThat(d.getEvidence().getSummary()).contains("nan");
                        });
    }

    @Test
    void divergenceCanBeSwitchedOffAndSpikesUseTheConfiguredFactor() throws Exception {
        open(
                c -> {
                    c.set(GraftOptions.TRIGGER_DIVERGENCE_SPIKE_FACTOR, 2.0);
                    c.set(GraftOptions.TRIGGER_DIVERGENCE_WARMUP, 3);
                    c.set(GraftOptions.TRIGGER_PLATEAU_PATIENCE, 100);
                });
        for (long step = 1; step <= 5; step++) {
            send("r1", 0, step, 1.0 - step * 0.01);
        }
        send("r1", 0, 6, 2.5); // 2.5x the EMA of ~0.97
        assertThat(decisions())
                .singleElement()
                .satisfies(d -> assertThat(d.getEvidence().getSummary()).contains("spike"));
        harness.close();
        open(c -> c.set(GraftOptions.TRIGGER_DIVERGENCE_ENABLED, false));
        send("r1", 0, 1, Double.NaN);
        assertThat(decisions()).isEmpty();
    }

    @Test
    void stateSurvivesASnapshotAndRestore() throws Exception {
        open(c -> {});
        send("r1", 0, 1, 1.0);
        send("r1", 0, 2, 1.0);
        send("r1", 0, 3, 1.0);
        var snapshot = harness.snapshot(1, 1);
        harness.close();
        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        send("r1", 0, 4, 1.0);
        assertThat(decisions()).extracting(GrowthDecision::getStep).containsExactly(4L);
    }
}
