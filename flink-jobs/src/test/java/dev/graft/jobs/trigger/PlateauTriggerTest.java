package dev.graft.jobs.trigger;

import dev.graft.connectors.kafka.Sourced;
import dev.graft.jobs.GraftOptions;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.ProcessRejections;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The plateau trigger operator: its state, its outputs and its dead letters, without a cluster. */
class PlateauTriggerTest {
    private KeyedOneInputStreamOperatorTestHarness<String, Sourced<TrainingMetric>, GrowthDecision>
            harness;
    private final AtomicLong offsets = new AtomicLong();

    @BeforeEach
    void open() throws Exception {
        harness = newHarness();
        harness.open();
    }

    private KeyedOneInputStreamOperatorTestHarness<String, Sourced<TrainingMetric>, GrowthDecision>
            newHarness() throws Exception {
        // The PyTorch docs' example rule: patience 2 fires on the third bad evaluation.
        Configuration conf = new Configuration();
        conf.set(GraftOptions.TRIGGER_PLATEAU_PATIENCE, 2);
        GraftSettings settings = GraftSettings.from(conf);
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new PlateauTrigger(settings, "test")),
                        (Sourced<TrainingMetric> record) -> record.value().getRunId(),
                        Types.STRING);
        h.setup(
                new AvroTypeInfo<>(GrowthDecision.class)
                        .createSerializer(h.getExecutionConfig().getSerializerConfig()));
        return h;
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void send(String run, int generation, long step, double loss) throws Exception {
        TrainingMetric metric =
                TrainingMetric.newBuilder()
                        .setRunId(run)
                        .setGeneration(generation)
                        .setStep(step)
                        .setWallTimeMs(1_000 + step)
                        .setMetrics(Map.of("loss", loss))
                        .setSplit("train")
                        .setTokensSeen(null)
                        .setSource(null)
                        .build();
        harness.processElement(
                new StreamRecord<>(
                        new Sourced<>(
                                metric,
                                "graft.metrics",
                                0,
                                offsets.getAndIncrement(),
                                0L,
                                null,
                                new byte[] {1})));
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

    @Test
    void firesOnTheThirdBadEvaluationWithPatienceTwoAndKeepsStatePerRun() throws Exception {
        send("r1", 0, 1, 1.0);
        send("r1", 0, 2, 1.0); // bad 1
        send("r1", 0, 3, 1.0); // bad 2
        assertThat(decisions()).isEmpty();
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
        send("r2", 0, 1, 5.0);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        send("r1", 0, 4, 1.0); // bad 3 -> fires

        assertThat(decisions())
                .singleElement()
                .satisfies(
                        d -> {
                            assertThat(d.getRunId()).isEqualTo("r1");
                            assertThat(d.getStep()).isEqualTo(4);
                            assertThat(d.getEvidence().getWindow().getBadEvaluations())
                                    .isEqualTo(3);
                            assertThat(d.getEvidence().getWindow().getBestStep()).isEqualTo(1);
                            assertThat(d.getEvidence().getSummary()).contains("patience 2");
                        });
    }

    @Test
    void duplicateStepsAreIgnoredNotCountedAsBadEvaluations() throws Exception {
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
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(0, 4L),
                        org.assertj.core.groups.Tuple.tuple(1, 4L));
        assertThat(decisions().get(0).getDecisionId())
                .isNotEqualTo(decisions().get(1).getDecisionId());
    }

    @Test
    void nonFiniteLossesAreNotPlateauEvidence() throws Exception {
        send("r1", 0, 1, 1.0);
        send("r1", 0, 2, Double.NaN);
        send("r1", 0, 3, Double.POSITIVE_INFINITY);
        send("r1", 0, 4, Double.NaN);
        assertThat(decisions()).isEmpty();
    }

    @Test
    void stateSurvivesASnapshotAndRestore() throws Exception {
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
