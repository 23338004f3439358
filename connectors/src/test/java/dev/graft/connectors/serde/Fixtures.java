package dev.graft.connectors.serde;

import dev.graft.schema.Action;
import dev.graft.schema.ArchSpec;
import dev.graft.schema.BudgetChange;
import dev.graft.schema.BudgetScope;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.CheckpointRef;
import dev.graft.schema.CheckpointSaved;
import dev.graft.schema.CommandAction;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.DecisionStatus;
import dev.graft.schema.ErrorInfo;
import dev.graft.schema.Evidence;
import dev.graft.schema.FileEntry;
import dev.graft.schema.GrowPolicy;
import dev.graft.schema.GrowthCommand;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.LrSchedule;
import dev.graft.schema.TrainingMetric;
import dev.graft.schema.TransformProgress;
import dev.graft.schema.TransformStage;
import dev.graft.schema.TransformStatus;
import dev.graft.schema.Trigger;
import dev.graft.schema.Verification;
import dev.graft.schema.WindowStats;

import org.apache.avro.specific.SpecificRecord;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Realistic records of every topic type, as a gpt2-small run growing to gpt2-medium. */
public final class Fixtures {

    public static final String RUN = "gpt2-small-run-7";
    public static final long T0 = 1_700_000_000_000L;

    private Fixtures() {}

    /** One valid record per topic type, in {@code Contracts.TOPIC_RECORDS} order. */
    public static List<SpecificRecord> all() {
        return List.of(
                metric(),
                checkpointSaved(),
                budget(),
                command(),
                decision(),
                published(),
                progress(),
                deadLetter());
    }

    public static TrainingMetric metric() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", 2.31);
        metrics.put("lr", 3e-4);
        metrics.put("grad_norm", Double.NaN);
        metrics.put("loss_scale", Double.POSITIVE_INFINITY);
        return TrainingMetric.newBuilder()
                .setRunId(RUN)
                .setGeneration(1)
                .setStep(12_000)
                .setWallTimeMs(T0)
                .setMetrics(metrics)
                .setSplit("eval")
                .setTokensSeen(6_291_456_000L)
                .setSource("trainer-0.us-east")
                .build();
    }

    public static CheckpointRef ref(long step, int generation) {
        return CheckpointRef.newBuilder()
                .setUri("s3://ckpts/" + RUN + "/gen" + generation + "/step-" + step)
                .setGeneration(generation)
                .setStep(step)
                .setSha256(sha('a'))
                .build();
    }

    public static ArchSpec gpt2(int hidden, int layers, int heads, long params) {
        return ArchSpec.newBuilder()
                .setFamily("gpt2")
                .setVocabSize(50257)
                .setHiddenSize(hidden)
                .setNumLayers(layers)
                .setNumHeads(heads)
                .setNumKvHeads(heads)
                .setHeadDim(64)
                .setIntermediateSize(4 * hidden)
                .setMaxPositions(1024)
                .setNorm("layernorm")
                .setNormEps(1e-5)
                .setNormPlacement("pre")
                .setActivation("gelu_new")
                .setTieWordEmbeddings(true)
                .setRopeTheta(null)
                .setParameterCount(params)
                .setDtype("F32")
                .setExtra(Map.of("n_inner", "null"))
                .build();
    }

    public static List<FileEntry> files() {
        return List.of(
                FileEntry.newBuilder()
                        .setPath("config.json")
                        .setBytes(665)
                        .setSha256(sha('1'))
                        .build(),
                FileEntry.newBuilder()
                        .setPath("model.safetensors")
                        .setBytes(1_419_322_880L)
                        .setSha256(sha('2'))
                        .build());
    }

    public static CheckpointSaved checkpointSaved() {
        return CheckpointSaved.newBuilder()
                .setRunId(RUN)
                .setCheckpoint(ref(12_000, 1))
                .setWallTimeMs(T0 + 5_000)
                .setArch(gpt2(768, 12, 12, 124_439_808L))
                .setFiles(files())
                .setTrainingState(Map.of("lr", "3e-4", "optimizer", "adamw", "batch_size", "512"))
                .build();
    }

    public static BudgetChange budget() {
        return BudgetChange.newBuilder()
                .setRunId(RUN)
                .setBudgetId("budget-2024-11-01-a")
                .setScope(BudgetScope.RUN)
                .setMaxParameters(400_000_000L)
                .setMaxMemoryBytes(80L << 30)
                .setMaxFlopsPerToken(2.4e9)
                .setEffectiveFromMs(T0)
                .setGrowPolicy(GrowPolicy.NOW)
                .setIssuedBy("ops@example.com")
                .setReason("more GPUs")
                .build();
    }

    public static GrowthCommand command() {
        return GrowthCommand.newBuilder()
                .setRunId(RUN)
                .setCommandId("cmd-17")
                .setAction(CommandAction.GROW)
                .setTargetArch(gpt2(1024, 24, 16, 354_823_168L))
                .setOperator("lemon")
                .setOptions(Map.of("width_factor", "1.333"))
                .setWallTimeMs(T0 + 10)
                .setIssuedBy("alice")
                .setReason("plateau seen by eye")
                .build();
    }

    public static LrSchedule schedule() {
        return LrSchedule.newBuilder()
                .setKind("warmup_cosine")
                .setPeakLr(2e-4)
                .setMinLr(2e-5)
                .setWarmupSteps(500)
                .setDecaySteps(50_000)
                .setRationale("LEMON (arXiv 2310.07999) optimized schedule")
                .build();
    }

    public static GrowthDecision decision() {
        return GrowthDecision.newBuilder()
                .setDecisionId("d-5f1c0e")
                .setRunId(RUN)
                .setGeneration(1)
                .setStep(12_000)
                .setWallTimeMs(T0)
                .setTrigger(Trigger.PLATEAU)
                .setAction(Action.GROW)
                .setStatus(DecisionStatus.READY)
                .setEvidence(
                        Evidence.newBuilder()
                                .setRule("plateau")
                                .setMetric("loss")
                                .setMode("min")
                                .setThresholds(Map.of("threshold", 1e-4, "patience", 10.0))
                                .setSettings(Map.of("threshold_mode", "rel"))
                                .setWindow(
                                        WindowStats.newBuilder()
                                                .setCount(11)
                                                .setFirstStep(11_000)
                                                .setLastStep(12_000)
                                                .setLast(2.31)
                                                .setBest(2.30)
                                                .setBestStep(10_900)
                                                .setMean(2.312)
                                                .setSmoothed(null)
                                                .setSlopePerStep(-1e-7)
                                                .setBadEvaluations(11)
                                                .build())
                                .setSummary("loss did not improve by 1e-4 (rel) for 11 evaluations")
                                .build())
                .setSourceCheckpoint(ref(12_000, 1))
                .setSourceArch(gpt2(768, 12, 12, 124_439_808L))
                .setTargetArch(gpt2(1024, 24, 16, 354_823_168L))
                .setOperator("lemon")
                .setOperatorOptions(Map.of("width_factor", "1.333", "depth_factor", "2"))
                .setSchedule(schedule())
                .setPolicy("budget-fit/1")
                .setGraftVersion("0.1.0")
                .build();
    }

    /**
     * A READY generation-0 decision to transform the checkpoint at {@code source} (step 1200) with
     * {@code operator}: no architectures or schedule, so the transform derives them from the
     * checkpoint, as for a decision made before the run's first CheckpointSaved.
     */
    public static GrowthDecision decisionFor(
            String id, String run, String operator, Map<String, String> options, URI source) {
        GrowthDecision d = decision();
        d.setDecisionId(id);
        d.setRunId(run);
        d.setGeneration(0);
        d.setStatus(DecisionStatus.READY);
        d.setOperator(operator);
        d.setOperatorOptions(options);
        d.setSourceArch(null);
        d.setTargetArch(null);
        d.setSchedule(null);
        d.setSourceCheckpoint(
                CheckpointRef.newBuilder()
                        .setUri(source.toString())
                        .setGeneration(0)
                        .setStep(1200)
                        .setSha256(null)
                        .build());
        return d;
    }

    public static CheckpointPublished published() {
        return CheckpointPublished.newBuilder()
                .setRunId(RUN)
                .setDecisionId("d-5f1c0e")
                .setGeneration(2)
                .setParent(ref(12_000, 1))
                .setCheckpoint(ref(12_000, 2))
                .setOperator("lemon")
                .setOperatorOptions(Map.of("width_factor", "1.333"))
                .setSourceArch(gpt2(768, 12, 12, 124_439_808L))
                .setTargetArch(gpt2(1024, 24, 16, 354_823_168L))
                .setVerification(
                        Verification.newBuilder()
                                .setMethod("logits")
                                .setProbeSequences(8)
                                .setProbeTokens(128)
                                .setMaxAbsDelta(3.1e-6)
                                .setLogitScale(41.7)
                                .setRelativeDelta(7.4e-8)
                                .setTolerance(1e-4)
                                .setLossless(true)
                                .setPassed(true)
                                .build())
                .setFiles(files())
                .setTotalBytes(665 + 1_419_322_880L)
                .setSchedule(schedule())
                .setWallTimeMs(T0 + 60_000)
                .setGraftVersion("0.1.0")
                .build();
    }

    public static TransformProgress progress() {
        return TransformProgress.newBuilder()
                .setRunId(RUN)
                .setDecisionId("d-5f1c0e")
                .setStage(TransformStage.APPLY)
                .setStatus(TransformStatus.RUNNING)
                .setFraction(0.5)
                .setTensorsDone(74)
                .setTensorsTotal(148)
                .setBytesDone(700_000_000L)
                .setBytesTotal(1_419_322_880L)
                .setMessage("applying lemon to h.11.mlp.c_fc.weight")
                .setError(null)
                .setWorker("TransformJob[2] gpu:0")
                .setWallTimeMs(T0 + 30_000)
                .build();
    }

    public static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setRunId(RUN)
                .setSourceTopic("graft.metrics")
                .setPartition(3)
                .setOffset(42)
                .setRecordTimestampMs(T0)
                .setKey(ByteBuffer.wrap(RUN.getBytes(StandardCharsets.UTF_8)))
                .setValue(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 7}))
                .setFormat("avro")
                .setExpectedSchema("dev.graft.schema.TrainingMetric")
                .setStage("deserialize")
                .setError(
                        ErrorInfo.newBuilder()
                                .setCode("MALFORMED_AVRO")
                                .setMessage("expected a 10-byte header, found only 3 bytes")
                                .setExceptionClass(null)
                                .setRetryable(false)
                                .build())
                .setJob("TriggerJob/decode-metrics")
                .setWallTimeMs(T0 + 1)
                .build();
    }

    /** The Kafka key every record is written with. */
    public static byte[] key() {
        return RUN.getBytes(StandardCharsets.UTF_8);
    }

    private static String sha(char c) {
        return String.valueOf(c).repeat(64);
    }
}
