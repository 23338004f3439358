package dev.graft.connectors.serde;

import dev.graft.schema.BudgetChange;
import dev.graft.schema.BudgetScope;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.CheckpointSaved;
import dev.graft.schema.CommandAction;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.DecisionStatus;
import dev.graft.schema.FileEntry;
import dev.graft.schema.GrowthCommand;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;
import dev.graft.schema.TransformProgress;
import dev.graft.schema.TransformStatus;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class RecordValidatorTest {

    @Test
    void fixturesAreValidWithTheirKey() {
        for (SpecificRecord r : Fixtures.all()) {
            assertThat(RecordValidator.validate(r, Fixtures.key()))
                    .as(r.getClass().getName())
                    .isEmpty();
        }
    }

    @Test
    void nonFiniteMetricValuesAreDivergenceSignalsNotErrors() {
        TrainingMetric m = Fixtures.metric();
        m.setMetrics(Map.of("loss", Double.NaN, "grad_norm", Double.NEGATIVE_INFINITY));

        assertThat(RecordValidator.validate(m)).isEmpty();
    }

    @Test
    void aFailedTransformIsValidWithItsReasonAndWithoutACheckpoint() {
        CheckpointPublished failed =
                dev.graft.connectors.transform.Outcomes.failed(
                        Fixtures.decision(),
                        "SOURCE_MISSING",
                        "no checkpoint at file:///x",
                        false,
                        "test",
                        1L);
        assertThat(RecordValidator.validate(failed)).isEmpty();

        failed.setError(null);
        assertThat(RecordValidator.validate(failed))
                .extracting(RecordValidator.Violation::path)
                .containsExactly("$.error");
    }

    @Test
    void aPublishedCheckpointMustSayWhereItIsAndHowItWasChecked() {
        CheckpointPublished published = Fixtures.published();
        published.setCheckpoint(null);
        published.setVerification(null);
        assertThat(RecordValidator.validate(published))
                .extracting(RecordValidator.Violation::path)
                .containsExactlyInAnyOrder("$.checkpoint", "$.verification");
    }

    @Test
    void everyProblemIsReportedNotJustTheFirst() {
        TrainingMetric m = Fixtures.metric();
        m.setStep(-1);
        m.setWallTimeMs(-2);

        assertThat(RecordValidator.validate(m, "someone-else".getBytes(StandardCharsets.UTF_8)))
                .extracting(Object::toString)
                .containsExactly(
                        "$.step: expected >= 0, found -1",
                        "$.wall_time_ms: expected >= 0, found -2",
                        "key: expected the Kafka key to equal $.run_id \"gpt2-small-run-7\", found"
                                + " key \"someone-else\"; every record is keyed by its run_id, so"
                                + " produce with key = run_id");
    }

    record Case(String name, SpecificRecord record, String fragment) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> invalidRecords() {
        TrainingMetric noMetrics = Fixtures.metric();
        noMetrics.setMetrics(Map.of());
        TrainingMetric badGeneration = Fixtures.metric();
        badGeneration.setGeneration(-1);
        CheckpointSaved escapingFile = Fixtures.checkpointSaved();
        escapingFile.setFiles(
                List.of(
                        FileEntry.newBuilder()
                                .setPath("../etc/passwd")
                                .setBytes(1)
                                .setSha256("a".repeat(64))
                                .build()));
        CheckpointSaved badSha = Fixtures.checkpointSaved();
        badSha.getCheckpoint().setSha256("ABC");
        BudgetChange fleetWithRun = Fixtures.budget();
        fleetWithRun.setScope(BudgetScope.FLEET);
        BudgetChange zeroCap = Fixtures.budget();
        zeroCap.setMaxParameters(0L);
        GrowthCommand unknownAction = Fixtures.command();
        unknownAction.setAction(CommandAction.UNKNOWN);
        GrowthCommand badArch = Fixtures.command();
        badArch.getTargetArch().setNumKvHeads(5);
        GrowthDecision readyWithoutCheckpoint = Fixtures.decision();
        readyWithoutCheckpoint.setSourceCheckpoint(null);
        readyWithoutCheckpoint.setStatus(DecisionStatus.READY);
        GrowthDecision badSchedule = Fixtures.decision();
        badSchedule.getSchedule().setPeakLr(Double.NaN);
        CheckpointPublished wrongTotal = Fixtures.published();
        wrongTotal.setTotalBytes(1);
        CheckpointPublished negativeDelta = Fixtures.published();
        negativeDelta.getVerification().setMaxAbsDelta(-1.0);
        TransformProgress overDone = Fixtures.progress();
        overDone.setFraction(1.5);
        TransformProgress failedWithoutError = Fixtures.progress();
        failedWithoutError.setStatus(TransformStatus.FAILED);
        DeadLetter blankTopic = Fixtures.deadLetter();
        blankTopic.setSourceTopic(" ");
        return Stream.of(
                new Case(
                        "metric without values",
                        noMetrics,
                        "$.metrics: expected at least one metric value"),
                new Case(
                        "negative generation",
                        badGeneration,
                        "$.generation: expected >= 0, found -1"),
                new Case(
                        "file escaping the checkpoint",
                        escapingFile,
                        "$.files[0].path: expected a '/'-separated path"),
                new Case(
                        "bad checkpoint sha",
                        badSha,
                        "$.checkpoint.sha256: expected 64 lower-case hex digits"),
                new Case(
                        "fleet budget with a run",
                        fleetWithRun,
                        "$.run_id: expected \"*\" for a FLEET budget"),
                new Case("zero cap", zeroCap, "$.max_parameters: expected > 0, found 0"),
                new Case(
                        "unknown command action",
                        unknownAction,
                        "$.action: expected one of GROW, SHRINK"),
                new Case(
                        "kv heads not dividing heads",
                        badArch,
                        "$.target_arch.num_kv_heads: expected a divisor of num_heads (16), found 5"),
                new Case(
                        "ready without checkpoint",
                        readyWithoutCheckpoint,
                        "$.source_checkpoint: expected a checkpoint for a READY decision"),
                new Case(
                        "NaN learning rate",
                        badSchedule,
                        "$.schedule.peak_lr: expected a finite number > 0, found NaN"),
                new Case(
                        "total bytes not the sum",
                        wrongTotal,
                        "$.total_bytes: expected the sum of $.files[*].bytes (1419323545), found 1"),
                new Case(
                        "negative delta",
                        negativeDelta,
                        "$.verification.max_abs_delta: expected >= 0, found -1.0"),
                new Case(
                        "fraction above one",
                        overDone,
                        "$.fraction: expected a number in [0, 1], found 1.5"),
                new Case(
                        "failed without error",
                        failedWithoutError,
                        "$.error: expected the error of a FAILED transform"),
                new Case(
                        "dead letter without topic",
                        blankTopic,
                        "$.source_topic: expected a non-blank string"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRecords")
    void invalidRecordsNameTheFieldAndTheRule(Case c) {
        List<RecordValidator.Violation> violations = RecordValidator.validate(c.record());

        assertThat(violations)
                .extracting(Object::toString)
                .anySatisfy(v -> assertThat(v).contains(c.fragment()));
        assertThat(violations)
                .allSatisfy(v -> assertThat(v.code()).isEqualTo(ErrorCode.INVALID_VALUE));
    }
}
