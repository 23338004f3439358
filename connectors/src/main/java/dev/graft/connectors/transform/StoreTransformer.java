package dev.graft.connectors.transform;

import dev.graft.connectors.LocalFiles;
import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.hf.Verifications;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.connectors.store.GraftVersion;
import dev.graft.connectors.store.PublishRequest;
import dev.graft.connectors.store.PublishedCheckpoint;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.ops.ContinuationSchedule;
import dev.graft.growth.ops.GrowthOperator;
import dev.graft.growth.ops.GrowthOptions;
import dev.graft.growth.ops.GrowthPlan;
import dev.graft.growth.ops.GrowthPlanException;
import dev.graft.growth.ops.GrowthTarget;
import dev.graft.growth.verify.Probes;
import dev.graft.growth.verify.Verification;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.CheckpointRef;
import dev.graft.schema.ErrorInfo;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.LrSchedule;
import dev.graft.schema.PublishStatus;
import dev.graft.schema.TransformProgress;
import dev.graft.schema.TransformStage;
import dev.graft.schema.TransformStatus;

import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Carries out growth decisions against a {@link CheckpointStore}: finds a decision's committed
 * result if there is one (idempotence), otherwise reads the source checkpoint, grows it with the
 * decision's operator ({@link CheckpointGrowth}), verifies it, and publishes it atomically as
 * generation + 1.
 *
 * <p>What the decision leaves open is derived from the source: {@code width_factor} multiplies
 * hidden size, heads, KV heads and FFN at the same head size (so LEMON's factor 1.5 on 12 heads of
 * 64 gives 18 heads, hidden 1152); {@code depth_factor} multiplies layers. The seed is the
 * decision's {@code seed} option or derived from its id, so a re-run writes the same bytes.
 */
public final class StoreTransformer implements DecisionExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(StoreTransformer.class);

    private final CheckpointStore store;
    private final Path workDirectory;
    private final Worker worker;
    private final Clock clock;
    private final int probeSequences;
    private final int probeTokens;

    public StoreTransformer(
            CheckpointStore store,
            Path workDirectory,
            Worker worker,
            Clock clock,
            int probeSequences,
            int probeTokens) {
        this.store = store;
        this.workDirectory = workDirectory;
        this.worker = worker;
        this.clock = clock;
        this.probeSequences = probeSequences;
        this.probeTokens = probeTokens;
    }

    /** A factory for Flink: each worker opens the store at {@code storeRoot}. */
    public static Factory factory(URI storeRoot, int probeSequences, int probeTokens) {
        String root = storeRoot.toString();
        return worker ->
                new StoreTransformer(
                        CheckpointStore.open(URI.create(root)),
                        Files.createTempDirectory("graft-transform-"),
                        worker,
                        Clock.systemUTC(),
                        probeSequences,
                        probeTokens);
    }

    @Override
    public CheckpointPublished execute(GrowthDecision decision, ProgressListener progress) {
        String run = decision.getRunId();
        String id = decision.getDecisionId();
        int generation = decision.getGeneration() + 1;
        Reporter report = new Reporter(decision, progress);
        if (worker.hasGpu()) {
            // ND4J's CUDA backend binds devices per thread: transforms run on pool threads, so
            // each binds to the GPU Flink gave this worker (a no-op on the CPU backend).
            Nd4j.getAffinityManager().unsafeSetDevice(worker.gpuIndex());
        }
        try {
            var done = store.findPublished(run, generation, id);
            if (done.isPresent()) {
                report.stage(
                        TransformStage.DONE, TransformStatus.SKIPPED, 1.0, "already published");
                LOG.info(
                        "Decision {} of run {} was published before: {}",
                        id,
                        run,
                        done.get().dir());
                return published(decision, done.get(), null);
            }
            CheckpointRef sourceRef = decision.getSourceCheckpoint();
            if (sourceRef == null) {
                return failed(
                        decision,
                        "SOURCE_MISSING",
                        "decision "
                                + id
                                + " names no source checkpoint (status "
                                + decision.getStatus()
                                + "); the trainer must announce its checkpoints on"
                                + " graft.checkpoints.saved (graft send-checkpoint) before the"
                                + " plateau",
                        false,
                        report);
            }
            GrowthOperator operator;
            try {
                operator = GrowthOperator.fromName(decision.getOperator());
            } catch (IllegalArgumentException e) {
                return failed(decision, "UNSUPPORTED_OPERATOR", e.getMessage(), false, report);
            }
            Path source = localSource(sourceRef);
            if (source == null || !Files.isRegularFile(source.resolve(HfConfig.FILE_NAME))) {
                return failed(
                        decision,
                        "SOURCE_MISSING",
                        "expected a Hugging Face checkpoint directory at "
                                + sourceRef.getUri()
                                + ", found "
                                + (source == null ? "a URI Graft cannot read" : "no config.json")
                                + "; was it deleted or moved after it was announced?",
                        false,
                        report);
            }
            report.stage(TransformStage.READ, TransformStatus.STARTED, 0.0, "reading " + source);
            ArchSpec before = HfConfig.read(source.resolve(HfConfig.FILE_NAME));
            GrowthOptions options = GrowthOptions.defaults().withSeed(seed(decision));
            GrowthTarget target;
            int factor;
            try {
                target = target(decision, before, operator);
                factor = factor(decision, operator);
            } catch (IllegalArgumentException e) {
                return failed(decision, "IMPOSSIBLE_TARGET", e.getMessage(), false, report);
            }
            List<int[]> calibration = null;
            if (operator == GrowthOperator.SUBCLONE) {
                // Subcloning ranks neurons by activations. Without the run's own tokens, seeded
                // random ones still separate live from dead units; the record says which was used.
                var probes =
                        Probes.random(
                                options.seed(),
                                8,
                                Math.min(64, before.maxPositions()),
                                before.vocabSize());
                calibration = List.of(probes.tokenIds());
                report.stage(
                        TransformStage.PLAN,
                        TransformStatus.RUNNING,
                        0.05,
                        "subclone calibrated on 8 seeded random sequences (no calibration tokens given)");
            }
            Path output = workDirectory.resolve(id + "-" + UUID.randomUUID());
            CheckpointGrowth.Result grown;
            try {
                report.stage(
                        TransformStage.APPLY,
                        TransformStatus.RUNNING,
                        0.1,
                        (operator.isShrink() ? "shrinking with " : "growing with ")
                                + operator.cliName());
                grown =
                        CheckpointGrowth.grow(
                                source,
                                output,
                                new CheckpointGrowth.Request(
                                        operator,
                                        target,
                                        factor,
                                        options,
                                        5_000_000_000L,
                                        probeSequences,
                                        probeTokens,
                                        calibration),
                                (tensorsDone, tensorsTotal, bytesDone, bytesTotal, name) ->
                                        report.tensors(
                                                tensorsDone, tensorsTotal, bytesDone, bytesTotal));
            } catch (GrowthPlanException e) {
                return failed(decision, "IMPOSSIBLE_TARGET", e.getMessage(), false, report);
            } catch (IOException e) {
                return failed(
                        decision,
                        "SOURCE_CORRUPT",
                        "could not read or grow " + sourceRef.getUri() + ": " + e.getMessage(),
                        false,
                        report);
            }
            try {
                Verification verification = grown.verification();
                report.stage(
                        TransformStage.VERIFY,
                        TransformStatus.RUNNING,
                        0.85,
                        verification.summary());
                if (verification.lossless() && !verification.passed()) {
                    return failed(
                            decision,
                            "VERIFICATION_FAILED",
                            operator.cliName()
                                    + " claims exact function preservation but the grown model"
                                    + " differs: "
                                    + verification.summary()
                                    + "; nothing was published. Please report this.",
                            false,
                            report);
                }
                GrowthPlan plan = grown.plan();
                Map<String, String> manifestOptions = new TreeMap<>(plan.manifestOptions());
                manifestOptions.put("optimizer_state_result", grown.optimizerState());
                if (calibration != null) {
                    manifestOptions.put("calibration", "seeded random tokens, 8 sequences");
                }
                report.stage(TransformStage.COMMIT, TransformStatus.RUNNING, 0.9, "publishing");
                PublishedCheckpoint published =
                        store.publish(
                                new PublishRequest(
                                        run,
                                        generation,
                                        sourceRef.getStep(),
                                        id,
                                        sourceRef,
                                        operator.cliName(),
                                        manifestOptions,
                                        Verifications.toAvro(verification),
                                        ArchSpecs.toAvro(
                                                HfConfig.read(output.resolve(HfConfig.FILE_NAME)))),
                                output);
                report.stage(
                        TransformStage.DONE,
                        TransformStatus.SUCCEEDED,
                        1.0,
                        "published " + published.dir());
                return published(decision, published, plan.schedule());
            } finally {
                LocalFiles.deleteTree(output);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Decision {} of run {} failed: {}", id, run, e.toString(), e);
            return failed(
                    decision,
                    "INTERNAL",
                    "the transform failed: " + e + "; see the TaskManager log",
                    true,
                    report);
        }
    }

    private CheckpointPublished published(
            GrowthDecision decision,
            PublishedCheckpoint checkpoint,
            ContinuationSchedule schedule) {
        var manifest = checkpoint.manifest();
        long total = manifest.files().stream().mapToLong(f -> f.getBytes()).sum();
        return CheckpointPublished.newBuilder()
                .setRunId(decision.getRunId())
                .setDecisionId(decision.getDecisionId())
                .setStatus(PublishStatus.PUBLISHED)
                .setError(null)
                .setGeneration(manifest.generation())
                .setParent(manifest.parent())
                .setCheckpoint(checkpoint.toRef())
                .setOperator(manifest.operator())
                .setOperatorOptions(manifest.operatorOptions())
                .setSourceArch(
                        decision.getSourceArch() != null
                                ? decision.getSourceArch()
                                : sourceArch(manifest.parent()))
                .setTargetArch(manifest.arch())
                .setVerification(manifest.verification())
                .setFiles(manifest.files())
                .setTotalBytes(total)
                .setSchedule(schedule == null ? null : schedule(decision, schedule))
                .setWallTimeMs(clock.millis())
                .setGraftVersion(GraftVersion.get())
                .build();
    }

    private static dev.graft.schema.ArchSpec sourceArch(CheckpointRef parent) {
        try {
            Path local = localSource(parent);
            return local == null
                    ? null
                    : ArchSpecs.toAvro(HfConfig.read(local.resolve(HfConfig.FILE_NAME)));
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The recommended schedule in the decision's terms: the factors apply to the decision's own
     * schedule when it carries one; otherwise the numbers are the factors themselves (peak_lr = the
     * multiplier of the run's peak learning rate), as the rationale says.
     */
    private static LrSchedule schedule(GrowthDecision decision, ContinuationSchedule s) {
        LrSchedule base = decision.getSchedule();
        double peak = base == null ? s.maxLrFactor() : base.getPeakLr() * s.maxLrFactor();
        long decay = base == null ? 0 : Math.round(base.getDecaySteps() * s.decayStepsFactor());
        return LrSchedule.newBuilder()
                .setKind("warmup_cosine")
                .setPeakLr(peak)
                .setMinLr(peak * s.minLrRatio())
                .setWarmupSteps(s.warmupSteps())
                .setDecaySteps(decay)
                .setRationale(
                        (base == null
                                        ? String.format(
                                                Locale.ROOT,
                                                "relative to the run's schedule: peak ×%s, decay"
                                                        + " length ×%s, floor %s×peak; ",
                                                s.maxLrFactor(),
                                                s.decayStepsFactor(),
                                                s.minLrRatio())
                                        : "")
                                + s.source()
                                + (s.resetOptimizer() ? "; start a fresh optimizer" : ""))
                .build();
    }

    private CheckpointPublished failed(
            GrowthDecision decision,
            String code,
            String message,
            boolean retryable,
            Reporter report) {
        LOG.warn(
                "Decision {} of run {} not carried out ({}): {}",
                decision.getDecisionId(),
                decision.getRunId(),
                code,
                message);
        report.failed(code, message, retryable);
        return Outcomes.failed(
                decision, code, message, retryable, GraftVersion.get(), clock.millis());
    }

    /** A local directory for a checkpoint URI: file:// and plain paths; null for others. */
    static Path localSource(CheckpointRef ref) {
        String uri = ref.getUri();
        try {
            URI parsed = URI.create(uri);
            if (parsed.getScheme() == null) {
                return Path.of(uri);
            }
            if ("file".equals(parsed.getScheme())) {
                return Path.of(parsed);
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return null;
    }

    private static long seed(GrowthDecision decision) {
        String seed = decision.getOperatorOptions().get("seed");
        if (seed != null) {
            return Long.parseLong(seed.trim());
        }
        long h = 1125899906842597L;
        for (byte b : decision.getDecisionId().getBytes(StandardCharsets.UTF_8)) {
            h = 31 * h + b;
        }
        return h;
    }

    /** The sizes the decision asks for: its target architecture, or its factors on the source. */
    static GrowthTarget target(GrowthDecision decision, ArchSpec source, GrowthOperator operator) {
        dev.graft.schema.ArchSpec t = decision.getTargetArch();
        if (t == null && operator.isShrink()) {
            throw new IllegalArgumentException(
                    operator.cliName()
                            + " needs the decision's target_arch (the size to shrink to); the"
                            + " decision named none");
        }
        if (t != null) {
            return new GrowthTarget(
                    t.getHiddenSize(),
                    t.getNumLayers(),
                    t.getNumHeads(),
                    t.getNumKvHeads(),
                    t.getIntermediateSize());
        }
        Map<String, String> o = decision.getOperatorOptions();
        double width = parseFactor(o, "width_factor");
        double depth = parseFactor(o, "depth_factor");
        if (operator == GrowthOperator.HYPERCLONE || operator == GrowthOperator.UNSHARE) {
            return GrowthTarget.unchanged();
        }
        Integer layers = depth == 1 ? null : (int) Math.round(source.numLayers() * depth);
        if (width == 1
                || operator == GrowthOperator.IDENTITY_DEPTH
                || operator == GrowthOperator.STACK) {
            return new GrowthTarget(null, layers, null, null, null);
        }
        // Keep whole KV groups: every KV head serves as many query heads as before.
        int queriesPerKv = source.numHeads() / source.numKvHeads();
        int kvHeads = Math.max(1, (int) Math.round(source.numKvHeads() * width));
        int heads = kvHeads * queriesPerKv;
        return new GrowthTarget(
                heads * source.headDim(),
                layers,
                heads,
                kvHeads,
                (int) Math.round(source.intermediateSize() * width));
    }

    /** HyperCloning's integer width factor; 0 (none) for the others. */
    static int factor(GrowthDecision decision, GrowthOperator operator) {
        if (operator != GrowthOperator.HYPERCLONE) {
            return 0;
        }
        double width = parseFactor(decision.getOperatorOptions(), "width_factor");
        if (width != Math.rint(width) || width < 2) {
            throw new IllegalArgumentException(
                    "hyperclone grows width by an integer factor >= 2, found width_factor "
                            + width
                            + "; use lemon for other widths");
        }
        return (int) width;
    }

    private static double parseFactor(Map<String, String> options, String key) {
        String value = options.get(key);
        if (value == null) {
            return 1;
        }
        try {
            double f = Double.parseDouble(value.trim());
            if (!(f >= 1) || Double.isInfinite(f)) {
                throw new IllegalArgumentException(
                        key + " must be a number >= 1 to grow, found '" + value + "'");
            }
            return f;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, found '" + value + "'");
        }
    }

    /** Progress records for one decision. */
    private final class Reporter {
        private final GrowthDecision decision;
        private final ProgressListener listener;

        Reporter(GrowthDecision decision, ProgressListener listener) {
            this.decision = decision;
            this.listener = listener;
        }

        void stage(TransformStage stage, TransformStatus status, double fraction, String message) {
            send(stage, status, fraction, 0, 0, 0, 0, message, null);
        }

        void tensors(int done, int total, long bytesDone, long bytesTotal) {
            double fraction = 0.1 + 0.7 * bytesDone / Math.max(1.0, bytesTotal);
            send(
                    TransformStage.APPLY,
                    TransformStatus.RUNNING,
                    fraction,
                    done,
                    total,
                    bytesDone,
                    bytesTotal,
                    "writing tensors",
                    null);
        }

        void failed(String code, String message, boolean retryable) {
            send(
                    TransformStage.DONE,
                    TransformStatus.FAILED,
                    1.0,
                    0,
                    0,
                    0,
                    0,
                    message,
                    ErrorInfo.newBuilder()
                            .setCode(code)
                            .setMessage(message)
                            .setExceptionClass(null)
                            .setRetryable(retryable)
                            .build());
        }

        private void send(
                TransformStage stage,
                TransformStatus status,
                double fraction,
                int tensorsDone,
                int tensorsTotal,
                long bytesDone,
                long bytesTotal,
                String message,
                ErrorInfo error) {
            try {
                listener.report(
                        TransformProgress.newBuilder()
                                .setRunId(decision.getRunId())
                                .setDecisionId(decision.getDecisionId())
                                .setStage(stage)
                                .setStatus(status)
                                .setFraction(Math.min(1.0, fraction))
                                .setTensorsDone(tensorsDone)
                                .setTensorsTotal(tensorsTotal)
                                .setBytesDone(bytesDone)
                                .setBytesTotal(bytesTotal)
                                .setMessage(message)
                                .setError(error)
                                .setWorker(worker.name())
                                .setWallTimeMs(clock.millis())
                                .build());
            } catch (RuntimeException e) {
                LOG.debug("Progress not reported: {}", e.toString());
            }
        }
    }
}
