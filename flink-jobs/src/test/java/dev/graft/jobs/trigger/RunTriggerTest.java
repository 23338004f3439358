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

    /** A new operator instance from {@code snapshot}, as after a failure (the old one closed). */
    private void restore(org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot)
            throws Exception {
        harness.close();
        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
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
        harness.processElement(
                new StreamRecord<>(RunEvent.metric(sourced(metric, "graft.metrics"))));
    }

    private void checkpoint(String run, int generation, long step, ArchSpec arch) throws Exception {
        CheckpointSaved saved =
                CheckpointSaved.newBuilder()
                        .setRunId(run)
                        .setCheckpoint(
                                CheckpointRef.newBuilder()
                                        .setUri(
                                                "file:///ckpt/"
                                                        + run
                                                        + "/"
                                                        + generation
                                                        + "/"
                                                        + step)
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
                Family.GPT2,
                50257,
                hidden,
                layers,
                hidden / 64,
                hidden / 64,
                64,
                4 * hidden,
                1024,
                Norm.LAYERNORM,
                1e-5,
                NormPlacement.PRE,
                "gelu_new",
                true,
                groups,
                null,
                DType.F32,
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

    // --- stream mechanics: reordering, timers ------------------------------------------------

    @Test
    void outOfOrderStepsWithinTheBoundArePutBackInOrderAndLaterOnesAreDeadLetters()
            throws Exception {
        open(c -> c.set(GraftOptions.TRIGGER_REORDER_MAX_RECORDS, 2));
        send("r1", 0, 2, 1.0);
        send("r1", 0, 1, 1.0); // one record late: reordered
        send("r1", 0, 1, 1.0); // duplicate of a buffered step
        send("r1", 0, 4, 1.0); // releases 1
        send("r1", 0, 3, 1.0); // releases 2
        send("r1", 0, 5, 1.0); // releases 3
        send("r1", 0, 1, 1.0); // duplicate of a released step: ignored, not a dead letter
        send("r1", 0, 6, 1.0); // releases 4: the third bad evaluation after step 1
        assertThat(deadLetters()).isEmpty();
        assertThat(decisions()).extracting(GrowthDecision::getStep).containsExactly(4L);
        send("r1", 0, 3, 2.0); // step 3 again: a duplicate of an evaluated step, ignored
        send("r1", 0, 0, 2.0); // never seen, below the evaluated 4: too late (or a rewind)
        assertThat(deadLetters())
                .singleElement()
                .satisfies(
                        d -> {
                            assertThat(d.getError().getCode()).isEqualTo("OUT_OF_ORDER_STEP");
                            assertThat(d.getError().getMessage())
                                    .contains("step 0 arrived after step 4", "2 records");
                        });
    }

    @Test
    void aQuietRunsReorderBufferIsReleasedByAProcessingTimeTimer() throws Exception {
        open(
                c -> {
                    c.set(GraftOptions.TRIGGER_REORDER_MAX_RECORDS, 100);
                    c.set(GraftOptions.TRIGGER_REORDER_MAX_DELAY, Duration.ofSeconds(2));
                });
        harness.setProcessingTime(1_000);
        plateau("r1", 0, 1);
        assertThat(decisions()).isEmpty();
        harness.setProcessingTime(2_999);
        assertThat(decisions()).isEmpty();
        harness.setProcessingTime(3_000);
        assertThat(decisions()).extracting(GrowthDecision::getStep).containsExactly(4L);
    }

    @Test
    void aSlowOrLoadedJobNeverTurnsAReorderingIntoADeadLetter() throws Exception {
        open(
                c -> {
                    c.set(GraftOptions.TRIGGER_REORDER_MAX_RECORDS, 100);
                    c.set(GraftOptions.TRIGGER_REORDER_MAX_DELAY, Duration.ofSeconds(2));
                });
        // Adjacent pairs swapped, each record 1.5 s of processing time after the last (a slow
        // job): the time bound is the run's own clock (1 ms per step here), so the buffer keeps
        // them all and puts them back in order.
        long now = 0;
        for (long step : new long[] {2, 1, 4, 3, 6, 5, 8, 7}) {
            harness.setProcessingTime(now += 1_500);
            send("r1", 0, step, 1.0);
        }
        assertThat(deadLetters()).isEmpty();
        assertThat(decisions()).isEmpty();
        harness.setProcessingTime(now + 2_000); // the run went quiet: its buffer is evaluated
        assertThat(decisions()).extracting(GrowthDecision::getStep).containsExactly(4L);
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void afterARestoreTheQuietReleaseWaitsForTheReplayedRecords() throws Exception {
        open(
                c -> {
                    c.set(GraftOptions.TRIGGER_REORDER_MAX_RECORDS, 100);
                    c.set(GraftOptions.TRIGGER_REORDER_MAX_DELAY, Duration.ofSeconds(2));
                });
        harness.setProcessingTime(1_000);
        send("r1", 0, 2, 1.0);
        restore(harness.snapshot(1, 1));
        // The job comes back long after step 2's quiet deadline (3 000); step 1, which followed
        // it before the failure, is replayed only now. It is put back in order, not dead-lettered.
        harness.setProcessingTime(10_000);
        send("r1", 0, 1, 1.0);
        harness.setProcessingTime(11_999);
        assertThat(deadLetters()).isEmpty();
        send("r1", 0, 3, 1.0);
        send("r1", 0, 4, 1.0);
        assertThat(decisions()).isEmpty();
        harness.setProcessingTime(14_000);
        assertThat(deadLetters()).isEmpty();
        assertThat(decisions()).extracting(GrowthDecision::getStep).containsExactly(4L);
    }

    @Test
    void deadRunsAreNoticedByTimersAndTheirStateExpires() throws Exception {
        open(
                c -> {
                    c.set(GraftOptions.TRIGGER_REORDER_MAX_RECORDS, 100);
                    c.set(GraftOptions.TRIGGER_REORDER_MAX_DELAY, Duration.ofHours(1));
                    c.set(GraftOptions.TRIGGER_RUN_IDLE_TIMEOUT, Duration.ofMinutes(1));
                    c.set(GraftOptions.TRIGGER_STATE_TTL, Duration.ofMinutes(10));
                });
        harness.setProcessingTime(0);
        plateau("r1", 0, 1);
        send("r2", 0, 1, 1.0);
        harness.setProcessingTime(30_000);
        send("r2", 0, 2, 1.0); // r2 stays alive
        harness.setProcessingTime(60_000);
        // r1 is dead: its buffered metrics are evaluated at once
        assertThat(decisions()).extracting(GrowthDecision::getRunId).containsExactly("r1");
        harness.setProcessingTime(10 * 60_000 + 1);
        harness.setProcessingTime(11 * 60_000);
        // r1's state is gone: step 2 would be late against its old state, now it starts fresh
        send("r1", 0, 2, 1.0);
        assertThat(deadLetters()).isEmpty();
    }

    // --- checkpoints -------------------------------------------------------------------------

    @Test
    void aDecisionNamesTheNewestCheckpointAtOrBeforeItsStep() throws Exception {
        open(c -> {});
        ArchSpec small = gpt2(768, 12, 0);
        checkpoint("r1", 0, 1, small);
        checkpoint("r1", 0, 3, small);
        checkpoint("r1", 0, 9, small); // after the decision: not its source
        checkpoint("r1", 1, 2, small); // another generation
        plateau("r1", 0, 1);
        assertThat(decisions())
                .singleElement()
                .satisfies(
                        d -> {
                            assertThat(d.getStatus()).isEqualTo(DecisionStatus.READY);
                            assertThat(d.getSourceCheckpoint().getStep()).isEqualTo(3);
                            assertThat(d.getSourceCheckpoint().getUri()).endsWith("/r1/0/3");
                            assertThat(d.getSourceArch().getHiddenSize()).isEqualTo(768);
                            assertThat(d.getTargetArch().getHiddenSize()).isEqualTo(1536);
                            assertThat(d.getTargetArch().getNumLayers()).isEqualTo(24);
                            assertThat(d.getTargetArch().getNumHeads()).isEqualTo(24);
                            assertThat(d.getOperator()).isEqualTo("lemon");
                        });
    }

    @Test
    void withoutACheckpointADecisionWaitsABoundedTimeThenSaysSo() throws Exception {
        open(c -> c.set(GraftOptions.TRIGGER_CHECKPOINT_WAIT, Duration.ofSeconds(10)));
        harness.setProcessingTime(0);
        plateau("r1", 0, 1);
        plateau("r2", 0, 1);
        assertThat(decisions()).isEmpty();
        checkpoint("r1", 0, 6, null); // after the step: does not qualify
        checkpoint("r1", 0, 2, null); // qualifies: emitted at once
        assertThat(decisions())
                .singleElement()
                .satisfies(
                        d -> {
                            assertThat(d.getRunId()).isEqualTo("r1");
                            assertThat(d.getStatus()).isEqualTo(DecisionStatus.READY);
                            assertThat(d.getSourceCheckpoint().getStep()).isEqualTo(2);
                            assertThat(d.getSourceArch()).isNull();
                        });
        harness.setProcessingTime(10_000);
        assertThat(decisions())
                .extracting(GrowthDecision::getRunId, GrowthDecision::getStatus)
                .containsExactly(
                        Tuple.tuple("r1", DecisionStatus.READY),
                        Tuple.tuple("r2", DecisionStatus.NO_CHECKPOINT));
    }

    // --- policy: unshare, limits, gate, modes ------------------------------------------------

    @Test
    void aRunWithSharedLayersUnsharesAtItsFirstPlateauBeforeAnyGrowth() throws Exception {
        open(c -> {});
        checkpoint("r1", 0, 1, gpt2(768, 12, 1));
        plateau("r1", 0, 1);
        checkpoint("r1", 1, 1, gpt2(768, 12, 0));
        plateau("r1", 1, 1);
        assertThat(decisions())
                .extracting(GrowthDecision::getAction, GrowthDecision::getOperator)
                .containsExactly(
                        Tuple.tuple(Action.UNSHARE, "unshare"), Tuple.tuple(Action.GROW, "lemon"));
        assertThat(decisions().get(0).getTargetArch().getNumLayerGroups()).isZero();
    }

    @Test
    void maxGrowthsLimitsAutomaticGrowthAndTheGateHoldsEarlySignals() throws Exception {
        open(
                c -> {
                    c.set(GraftOptions.POLICY_MAX_GROWTHS, 1);
                    c.set(GraftOptions.TRIGGER_WARMUP_STEPS, 5L);
                });
        plateau("r1", 0, 1); // fires at 4: inside the warm-up
        assertThat(decisions()).isEmpty();
        for (long step = 5; step <= 7; step++) {
            send("r1", 0, step, 1.0); // fires at 7
        }
        plateau("r1", 1, 100);
        assertThat(decisions())
                .extracting(GrowthDecision::getGeneration, GrowthDecision::getStep)
                .containsExactly(Tuple.tuple(0, 7L));
    }

    @Test
    void trendModeDecidesWithATrendTrigger() throws Exception {
        open(
                c -> {
                    c.set(GraftOptions.TRIGGER_MODE, "trend");
                    c.set(GraftOptions.TRIGGER_TREND_WINDOW, 3);
                    c.set(GraftOptions.TRIGGER_PLATEAU_THRESHOLD, 0.01);
                    c.set(GraftOptions.TRIGGER_PLATEAU_PATIENCE, 0);
                });
        for (long step = 1; step <= 5; step++) {
            send("r1", 0, step, 1.0);
        }
        assertThat(decisions())
                .first()
                .satisfies(
                        d -> {
                            assertThat(d.getTrigger()).isEqualTo(Trigger.TREND);
                            assertThat(d.getEvidence().getRule()).isEqualTo("trend");
                            assertThat(d.getEvidence().getWindow().getSlopePerStep()).isZero();
                        });
    }

    // --- commands ----------------------------------------------------------------------------

    @Test
    void commandsActOnceWithWhoAndWhyAndInvalidOnesAreDeadLetters() throws Exception {
        open(c -> {});
        checkpoint("r1", 0, 1, gpt2(768, 12, 0));
        send("r1", 0, 1, 1.0);
        command("r1", "c-1", CommandAction.GROW, null);
        command("r1", "c-1", CommandAction.GROW, null); // redelivered: acted on once
        command("r1", "c-2", CommandAction.UNSHARE, null); // nothing is shared
        command("r1", "c-3", CommandAction.GROW, "warp-drive");
        assertThat(decisions())
                .singleElement()
                .satisfies(
                        d -> {
                            assertThat(d.getTrigger()).isEqualTo(Trigger.COMMAND);
                            assertThat(d.getAction()).isEqualTo(Action.GROW);
                            assertThat(d.getDecisionId())
                                    .isEqualTo(DecisionIds.ofEvent("r1", 0, "COMMAND", "c-1"));
                            assertThat(d.getEvidence().getSettings())
                                    .containsEntry("issued_by", "alice")
                                    .containsEntry("reason", "testing")
                                    .containsEntry("command_id", "c-1");
                            assertThat(d.getStatus()).isEqualTo(DecisionStatus.READY);
                            assertThat(d.getTargetArch().getHiddenSize()).isEqualTo(1536);
                        });
        assertThat(deadLetters())
                .extracting(d -> d.getError().getCode())
                .containsExactly("INVALID_COMMAND", "INVALID_COMMAND");
        assertThat(deadLetters().get(0).getError().getMessage())
                .contains("c-2", "alice", "num_layer_groups 0");
        assertThat(deadLetters().get(1).getError().getMessage()).contains("warp-drive");
    }

    @Test
    void holdPausesAutomaticDecisionsUntilRelease() throws Exception {
        open(c -> {});
        command("r1", "c-hold", CommandAction.HOLD, null);
        plateau("r1", 0, 1);
        assertThat(decisions()).isEmpty();
        command("r1", "c-release", CommandAction.RELEASE, null);
        for (long step = 5; step <= 7; step++) {
            send("r1", 0, step, 1.0);
        }
        assertThat(decisions()).extracting(GrowthDecision::getStep).containsExactly(7L);
    }

    // --- budget ------------------------------------------------------------------------------

    @Test
    void overARunBudgetShrinksToTheLargestLadderSizeThatFits() throws Exception {
        open(c -> {});
        ArchSpec big = gpt2(1536, 24, 0); // ~0.72 B parameters
        checkpoint("r1", 0, 1, big); // its wall time makes the budget effective: no metric yet
        runBudget(budget("r1", "b-1", 200_000_000L, GrowPolicy.AT_NEXT_PLATEAU));
        assertThat(decisions())
                .singleElement()
                .satisfies(
                        d -> {
                            assertThat(d.getTrigger()).isEqualTo(Trigger.BUDGET);
                            assertThat(d.getAction()).isEqualTo(Action.SHRINK);
                            assertThat(d.getOperator()).isEqualTo("subclone");
                            assertThat(d.getTargetArch().getHiddenSize()).isEqualTo(768);
                            assertThat(d.getTargetArch().getNumLayers()).isEqualTo(12);
                            assertThat(d.getTargetArch().getParameterCount())
                                    .isLessThanOrEqualTo(200_000_000L);
                            assertThat(d.getDecisionId())
                                    .isEqualTo(DecisionIds.ofEvent("r1", 0, "BUDGET", "b-1"));
                            assertThat(d.getEvidence().getSettings())
                                    .containsEntry("budget_id", "b-1");
                        });
        // never above the budget: the next plateau does not grow past it
        plateau("r1", 0, 2);
        assertThat(decisions()).hasSize(1);
    }

    @Test
    void aFleetBudgetIsBroadcastAndAppliesToEveryRunAtItsNextRecord() throws Exception {
        open(c -> {});
        checkpoint("r1", 0, 1, gpt2(768, 12, 0));
        checkpoint("r2", 0, 1, gpt2(768, 12, 0));
        harness.processBroadcastElement(
                new StreamRecord<>(budget("*", "fleet-1", 10_000_000_000L, GrowPolicy.NOW)));
        send("r1", 0, 1, 1.0);
        send("r2", 0, 1, 1.0);
        assertThat(decisions())
                .extracting(
                        GrowthDecision::getRunId,
                        GrowthDecision::getTrigger,
                        GrowthDecision::getAction)
                .containsExactly(
                        Tuple.tuple("r1", Trigger.BUDGET, Action.GROW),
                        Tuple.tuple("r2", Trigger.BUDGET, Action.GROW));
    }

    @Test
    void stateSurvivesASnapshotAndRestore() throws Exception {
        open(c -> {});
        send("r1", 0, 1, 1.0);
        send("r1", 0, 2, 1.0);
        send("r1", 0, 3, 1.0);
        restore(harness.snapshot(1, 1));
        send("r1", 0, 4, 1.0);
        assertThat(decisions()).extracting(GrowthDecision::getStep).containsExactly(4L);
    }

    // --- state written by earlier versions -------------------------------------------------

    /**
     * Options of the snapshots in {@code src/test/resources/dev/graft/jobs/trigger/}: patience 2, a
     * reorder buffer of 4.
     */
    private void openForStateVersions() throws Exception {
        open(c -> c.set(GraftOptions.TRIGGER_REORDER_MAX_RECORDS, 4));
    }

    /**
     * What the snapshot holds: r1 mid-reorder (steps 2..5 buffered, 1 evaluated), r2 at generation
     * 1 with one growth decided, r3 held by a command.
     */
    private void beforeSnapshot() throws Exception {
        for (long step : new long[] {1, 2, 3, 5, 4}) {
            send("r1", 0, step, 1.0);
        }
        for (long step = 10; step <= 17; step++) {
            send("r2", 1, step, 1.0);
        }
        command("r3", "hold-1", CommandAction.HOLD, null);
        for (long step = 1; step <= 3; step++) {
            send("r3", 0, step, 1.0);
        }
    }

    /** What follows, each part depending on a piece of the restored state. */
    private void afterSnapshot() throws Exception {
        send("r1", 0, 1, 1.0); // released before: a duplicate, ignored (the ring of recent steps)
        for (long step = 6; step <= 10; step++) {
            send("r1", 0, step, 1.0); // fires on the buffered steps (bad evaluations so far)
        }
        send("r2", 0, 18, 1.0); // stale generation: a dead letter
        for (long step = 18; step <= 40; step++) {
            send("r2", 1, step, 1.0); // the gate and the growth count carry over
        }
        for (long step = 4; step <= 12; step++) {
            send("r3", 0, step, 1.0); // held: nothing
        }
        command("r3", "release-1", CommandAction.RELEASE, null);
        for (long step = 13; step <= 20; step++) {
            send("r3", 0, step, 1.0);
        }
    }

    private static List<String> describe(List<GrowthDecision> decisions, List<DeadLetter> dead) {
        var out = new java.util.ArrayList<String>();
        for (GrowthDecision d : decisions) {
            out.add(
                    d.getDecisionId()
                            + " "
                            + d.getRunId()
                            + " "
                            + d.getGeneration()
                            + " "
                            + d.getStep()
                            + " "
                            + d.getTrigger()
                            + " "
                            + d.getAction()
                            + " "
                            + d.getOperator()
                            + " "
                            + d.getEvidence().getSummary());
        }
        for (DeadLetter d : dead) {
            out.add(d.getStage() + " " + d.getError());
        }
        return out;
    }

    /**
     * Writes the snapshot of the current state format when run with {@code
     * -Dgraft.trigger.snapshot.write=vN} (then commit the file and add vN to {@link
     * #restoresStateWrittenByEarlierVersions}).
     */
    @Test
    void writeStateSnapshotWhenAsked() throws Exception {
        String version = System.getProperty("graft.trigger.snapshot.write");
        org.junit.jupiter.api.Assumptions.assumeTrue(version != null, "not asked to write");
        openForStateVersions();
        beforeSnapshot();
        var dir = java.nio.file.Path.of("src/test/resources/dev/graft/jobs/trigger");
        java.nio.file.Files.createDirectories(dir);
        org.apache.flink.streaming.util.OperatorSnapshotUtil.writeStateHandle(
                harness.snapshot(1, 1),
                dir.resolve("run-trigger-state-" + version + ".snapshot").toString());
    }

    @Test
    void restoresStateWrittenByEarlierVersions() throws Exception {
        // The reference: the same records without a snapshot in between.
        openForStateVersions();
        beforeSnapshot();
        int decided = decisions().size();
        int rejected = deadLetters().size();
        afterSnapshot();
        List<String> expected =
                describe(
                        decisions().subList(decided, decisions().size()),
                        deadLetters().subList(rejected, deadLetters().size()));
        assertThat(expected).hasSize(3);

        for (String version : List.of("v1")) {
            var url =
                    RunTriggerTest.class.getResource("run-trigger-state-" + version + ".snapshot");
            assertThat(url).as("snapshot %s", version).isNotNull();
            restore(
                    org.apache.flink.streaming.util.OperatorSnapshotUtil.readStateHandle(
                            java.nio.file.Path.of(url.toURI()).toString()));
            afterSnapshot();
            assertThat(describe(decisions(), deadLetters())).as(version).isEqualTo(expected);
        }
    }
}
