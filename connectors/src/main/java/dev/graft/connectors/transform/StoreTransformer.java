package dev.graft.connectors.transform;

import dev.graft.connectors.LocalFiles;
import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.connectors.hf.HfCheckpoint;
import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.hf.HfTokenizer;
import dev.graft.connectors.hf.Verifications;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsFile;
import dev.graft.connectors.safetensors.SafetensorsIndex;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.connectors.safetensors.SafetensorsWriter;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.connectors.store.GraftVersion;
import dev.graft.connectors.store.PublishRequest;
import dev.graft.connectors.store.PublishedCheckpoint;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.ops.ContinuationSchedule;
import dev.graft.growth.ops.GrowthExecution;
import dev.graft.growth.ops.GrowthOperator;
import dev.graft.growth.ops.GrowthOptions;
import dev.graft.growth.ops.GrowthPlan;
import dev.graft.growth.ops.GrowthPlanException;
import dev.graft.growth.ops.GrowthTarget;
import dev.graft.growth.ops.TensorGroups;
import dev.graft.growth.verify.Probes;
import dev.graft.growth.verify.Verification;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.CheckpointRef;
import dev.graft.schema.ErrorInfo;
import dev.graft.schema.FileEntry;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.LrSchedule;
import dev.graft.schema.PublishStatus;
import dev.graft.schema.TransformProgress;
import dev.graft.schema.TransformStage;
import dev.graft.schema.TransformStatus;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Carries out growth decisions against a {@link CheckpointStore}: finds a decision's committed
 * result if there is one (idempotence), otherwise reads the source checkpoint, plans the growth
 * with the decision's operator ({@link CheckpointGrowth}), writes the result in one or several
 * tensor groups ({@link Splitting}, {@link TensorGroups}) into the decision's staging directory,
 * verifies it, and publishes it atomically as generation + 1.
 *
 * <p>Each step ({@link #prepare}, {@link #writeGroup}, {@link #commit}) plans again from the source
 * (plans are deterministic, and cached per worker), so the steps may run on different workers,
 * again after a failure, and in any order among the groups. A group's shard is written locally,
 * then staged under its final name in the store's staging directory for the decision ({@link
 * CheckpointStore#decisionStaging}); a group that finds its shard staged keeps it.
 *
 * <p>What the decision leaves open is derived from the source: {@code width_factor} multiplies
 * hidden size, heads, KV heads and FFN at the same head size (so LEMON's factor 1.5 on 12 heads of
 * 64 gives 18 heads, hidden 1152); {@code depth_factor} multiplies layers. The seed is the
 * decision's {@code seed} option or derived from its id, so a re-run writes the same bytes.
 */
public final class StoreTransformer implements DecisionExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(StoreTransformer.class);
    private static final int PLANS_CACHED = 4;

    private final CheckpointStore store;
    private final Path workDirectory;
    private final Worker worker;
    private final Clock clock;
    private final int probeSequences;
    private final int probeTokens;
    private final Splitting splitting;
    private final Map<String, Planned> plans =
            new LinkedHashMap<>(8, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Planned> eldest) {
                    return size() > PLANS_CACHED;
                }
            };

    /** A transformer that splits results as {@link Splitting#defaults()} says. */
    public StoreTransformer(
            CheckpointStore store,
            Path workDirectory,
            Worker worker,
            Clock clock,
            int probeSequences,
            int probeTokens) {
        this(
                store,
                workDirectory,
                worker,
                clock,
                probeSequences,
                probeTokens,
                Splitting.defaults());
    }

    /**
     * @param probeSequences probe sequences for verification; 0 skips it (the outcome then has no
     *     verification record, which a published record requires: for benchmarks only)
     */
    public StoreTransformer(
            CheckpointStore store,
            Path workDirectory,
            Worker worker,
            Clock clock,
            int probeSequences,
            int probeTokens,
            Splitting splitting) {
        this.store = Objects.requireNonNull(store, "store");
        this.workDirectory = Objects.requireNonNull(workDirectory, "workDirectory");
        this.worker = Objects.requireNonNull(worker, "worker");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.probeSequences = probeSequences;
        this.probeTokens = probeTokens;
        this.splitting = Objects.requireNonNull(splitting, "splitting");
    }

    /** A factory for Flink: each worker opens the store at {@code storeRoot}. */
    public static Factory factory(URI storeRoot, int probeSequences, int probeTokens) {
        return factory(storeRoot, probeSequences, probeTokens, Splitting.defaults());
    }

    /** A factory for Flink splitting results as {@code splitting} says. */
    public static Factory factory(
            URI storeRoot, int probeSequences, int probeTokens, Splitting splitting) {
        String root = storeRoot.toString();
        return worker ->
                new StoreTransformer(
                        CheckpointStore.open(URI.create(root)),
                        Files.createTempDirectory("graft-transform-"),
                        worker,
                        Clock.systemUTC(),
                        probeSequences,
                        probeTokens,
                        splitting);
    }

    /** What a decision plans to, with what it was planned from. */
    private record Planned(
            Path source,
            ObjectNode config,
            CheckpointRef sourceRef,
            GrowthOperator operator,
            GrowthPlan plan,
            Map<String, String> calibrationRecord) {}

    /** A plan, or why there is none (a FAILED outcome). */
    private record Planning(Planned planned, CheckpointPublished failure) {}

    @Override
    public Prepared prepare(GrowthDecision decision, ProgressListener progress, int workers) {
        Reporter report = new Reporter(decision, progress, "");
        return guarded(
                decision,
                report,
                Prepared::finished,
                () -> {
                    var done = findPublished(decision);
                    if (done.isPresent()) {
                        report.stage(
                                TransformStage.DONE,
                                TransformStatus.SKIPPED,
                                1.0,
                                "already published");
                        LOG.info(
                                "Decision {} of run {} was published before: {}",
                                decision.getDecisionId(),
                                decision.getRunId(),
                                done.get().dir());
                        return Prepared.finished(published(decision, done.get(), null));
                    }
                    Planning planning = plan(decision, report);
                    if (planning.failure() != null) {
                        return Prepared.finished(planning.failure());
                    }
                    GrowthPlan plan = planning.planned().plan();
                    int groups = splitting.groupsFor(plan, workers);
                    report.stage(
                            TransformStage.PLAN,
                            TransformStatus.RUNNING,
                            0.08,
                            String.format(
                                    Locale.ROOT,
                                    "%d tensors, %,d bytes, written in %s",
                                    plan.mappings().size(),
                                    plan.targetBytes(),
                                    groups == 1 ? "one piece" : groups + " groups"));
                    return Prepared.split(groups);
                });
    }

    @Override
    public GroupOutcome writeGroup(
            GrowthDecision decision, int group, int groups, ProgressListener progress) {
        Reporter report =
                new Reporter(
                        decision,
                        progress,
                        groups == 1 ? "" : " (group " + (group + 1) + "/" + groups + ")");
        return guarded(
                decision,
                report,
                GroupOutcome::finished,
                () -> {
                    var done = findPublished(decision);
                    if (done.isPresent()) {
                        return GroupOutcome.finished(published(decision, done.get(), null));
                    }
                    Planning planning = plan(decision, report);
                    if (planning.failure() != null) {
                        return GroupOutcome.finished(planning.failure());
                    }
                    Planned planned = planning.planned();
                    GrowthPlan plan = planned.plan();
                    TensorGroups split;
                    try {
                        split = TensorGroups.split(plan.mappings(), groups);
                    } catch (IllegalArgumentException e) {
                        return GroupOutcome.finished(
                                failed(
                                        decision,
                                        "SOURCE_CHANGED",
                                        "group "
                                                + (group + 1)
                                                + "/"
                                                + groups
                                                + " no longer fits the plan ("
                                                + e.getMessage()
                                                + "); was "
                                                + planned.sourceRef().getUri()
                                                + " changed during the transform?",
                                        false,
                                        report));
                    }
                    TensorGroups.Group g = split.group(group);
                    String name = Splitting.shardName(group, groups);
                    org.apache.flink.core.fs.Path staging = staging(decision);
                    var existing = store.stagedFile(staging, name);
                    if (existing.isPresent() && holds(staging, existing.get(), g)) {
                        report.stage(
                                TransformStage.APPLY,
                                TransformStatus.RUNNING,
                                0.8,
                                name + " was staged by an earlier attempt; kept");
                        return GroupOutcome.staged(existing.get());
                    }
                    report.stage(
                            TransformStage.APPLY,
                            TransformStatus.RUNNING,
                            0.1,
                            (planned.operator().isShrink() ? "shrinking with " : "growing with ")
                                    + planned.operator().cliName()
                                    + " into "
                                    + name);
                    Path local =
                            workDirectory.resolve(
                                    decision.getDecisionId()
                                            + "-"
                                            + name
                                            + "-"
                                            + UUID.randomUUID());
                    try {
                        try (SafetensorsSource in = SafetensorsCheckpoint.open(planned.source())) {
                            SafetensorsWriter out =
                                    SafetensorsWriter.create(
                                            local, g.targetTensors(), in.metadata());
                            try {
                                GrowthExecution.apply(
                                        g.mappings(),
                                        plan.options().seed(),
                                        false,
                                        in,
                                        out,
                                        (tensorsDone, tensorsTotal, bytesDone, bytesTotal, t) ->
                                                report.tensors(
                                                        tensorsDone,
                                                        tensorsTotal,
                                                        bytesDone,
                                                        bytesTotal));
                            } catch (IOException | RuntimeException | Error e) {
                                out.abort();
                                throw e;
                            }
                            out.close();
                        } catch (IOException e) {
                            return GroupOutcome.finished(
                                    failed(
                                            decision,
                                            "SOURCE_CORRUPT",
                                            "could not read or grow "
                                                    + planned.sourceRef().getUri()
                                                    + ": "
                                                    + e.getMessage(),
                                            false,
                                            report));
                        }
                        return GroupOutcome.staged(store.stageFile(staging, name, local));
                    } finally {
                        Files.deleteIfExists(local);
                    }
                });
    }

    @Override
    public CheckpointPublished commit(
            GrowthDecision decision, List<FileEntry> shards, ProgressListener progress) {
        Reporter report = new Reporter(decision, progress, "");
        return guarded(
                decision,
                report,
                outcome -> abandon(decision, outcome),
                () -> {
                    var done = findPublished(decision);
                    if (done.isPresent()) {
                        store.discardStaging(staging(decision));
                        return published(decision, done.get(), null);
                    }
                    Planning planning = plan(decision, report);
                    if (planning.failure() != null) {
                        return abandon(decision, planning.failure());
                    }
                    Planned planned = planning.planned();
                    GrowthPlan plan = planned.plan();
                    int groups = shards.size();
                    TensorGroups split = TensorGroups.split(plan.mappings(), groups);
                    for (int g = 0; g < groups; g++) {
                        String expected = Splitting.shardName(g, groups);
                        if (!expected.equals(shards.get(g).getPath())) {
                            throw new IllegalArgumentException(
                                    "shard "
                                            + g
                                            + " is '"
                                            + shards.get(g).getPath()
                                            + "'; expected '"
                                            + expected
                                            + "'");
                        }
                    }
                    org.apache.flink.core.fs.Path staging = staging(decision);
                    Path meta =
                            Files.createDirectories(
                                    workDirectory.resolve(
                                            decision.getDecisionId()
                                                    + "-meta-"
                                                    + UUID.randomUUID()));
                    try {
                        report.stage(
                                TransformStage.COMMIT,
                                TransformStatus.RUNNING,
                                0.82,
                                "writing config.json" + (groups > 1 ? " and the shard index" : ""));
                        String optimizerState =
                                CheckpointGrowth.writeMetadata(
                                        plan, planned.source(), planned.config(), meta);
                        if (groups > 1) {
                            Map<String, String> weightMap = new LinkedHashMap<>();
                            for (TensorGroups.Group g : split.groups()) {
                                for (var t : g.targetTensors()) {
                                    weightMap.put(t.name(), Splitting.shardName(g.index(), groups));
                                }
                            }
                            try (var out =
                                    Files.newOutputStream(
                                            meta.resolve(SafetensorsIndex.FILE_NAME))) {
                                new SafetensorsIndex(OptionalLong.of(plan.targetBytes()), weightMap)
                                        .write(out);
                            }
                        }
                        dev.graft.schema.ArchSpec arch =
                                ArchSpecs.toAvro(HfConfig.read(meta.resolve(HfConfig.FILE_NAME)));
                        List<FileEntry> files = new ArrayList<>(shards);
                        List<String> extra;
                        try (Stream<Path> list = Files.list(meta)) {
                            extra = list.map(f -> f.getFileName().toString()).sorted().toList();
                        }
                        for (String f : extra) {
                            files.add(store.stageFile(staging, f, meta.resolve(f)));
                        }
                        Path view = store.localView(staging, files, workDirectory);
                        Verification verification = null;
                        try {
                            try (HfCheckpoint result = HfCheckpoint.open(view)) {
                                result.requireComplete();
                            }
                            if (probeSequences > 0) {
                                verification =
                                        CheckpointGrowth.verify(
                                                planned.source(),
                                                view,
                                                plan,
                                                probeSequences,
                                                probeTokens);
                            }
                        } finally {
                            if (!view.getFileName().toString().equals(staging.getName())) {
                                LocalFiles.deleteTree(view);
                            }
                        }
                        if (verification != null) {
                            report.stage(
                                    TransformStage.VERIFY,
                                    TransformStatus.RUNNING,
                                    0.88,
                                    verification.summary());
                            if (verification.lossless() && !verification.passed()) {
                                return abandon(
                                        decision,
                                        failed(
                                                decision,
                                                "VERIFICATION_FAILED",
                                                planned.operator().cliName()
                                                        + " claims exact function preservation but"
                                                        + " the grown model differs: "
                                                        + verification.summary()
                                                        + "; nothing was published. Please report"
                                                        + " this.",
                                                false,
                                                report));
                            }
                        }
                        Map<String, String> manifestOptions = new TreeMap<>(plan.manifestOptions());
                        manifestOptions.put("optimizer_state_result", optimizerState);
                        manifestOptions.putAll(planned.calibrationRecord());
                        if (groups > 1) {
                            manifestOptions.put("tensor_groups", Integer.toString(groups));
                        }
                        report.stage(
                                TransformStage.COMMIT, TransformStatus.RUNNING, 0.9, "publishing");
                        PublishedCheckpoint published =
                                store.publishStaged(
                                        new PublishRequest(
                                                decision.getRunId(),
                                                decision.getGeneration() + 1,
                                                planned.sourceRef().getStep(),
                                                decision.getDecisionId(),
                                                planned.sourceRef(),
                                                planned.operator().cliName(),
                                                manifestOptions,
                                                verification == null
                                                        ? null
                                                        : Verifications.toAvro(verification),
                                                arch),
                                        staging,
                                        files);
                        report.stage(
                                TransformStage.DONE,
                                TransformStatus.SUCCEEDED,
                                1.0,
                                "published " + published.dir());
                        return published(decision, published, plan.schedule());
                    } finally {
                        LocalFiles.deleteTree(meta);
                    }
                });
    }

    @Override
    public CheckpointPublished abandon(GrowthDecision decision, CheckpointPublished outcome) {
        try {
            var done = findPublished(decision);
            if (done.isPresent()) {
                return published(decision, done.get(), null);
            }
            store.discardStaging(staging(decision));
        } catch (IOException | RuntimeException e) {
            LOG.warn(
                    "Decision {} of run {}: could not remove its staging directory: {}",
                    decision.getDecisionId(),
                    decision.getRunId(),
                    e.toString());
        }
        return outcome;
    }

    /** The work of one step; known failures come back as data, anything else is caught here. */
    @FunctionalInterface
    private interface Step<T> {
        T run() throws IOException;
    }

    private <T> T guarded(
            GrowthDecision decision,
            Reporter report,
            java.util.function.Function<CheckpointPublished, T> onFailure,
            Step<T> step) {
        if (worker.hasGpu()) {
            // ND4J's CUDA backend binds devices per thread: transforms run on pool threads, so
            // each binds to the GPU Flink gave this worker (a no-op on the CPU backend).
            Nd4j.getAffinityManager().unsafeSetDevice(worker.gpuIndex());
        }
        try {
            return step.run();
        } catch (IOException | RuntimeException e) {
            LOG.warn(
                    "Decision {} of run {} failed: {}",
                    decision.getDecisionId(),
                    decision.getRunId(),
                    e.toString(),
                    e);
            return onFailure.apply(
                    failed(
                            decision,
                            "INTERNAL",
                            "the transform failed: " + e + "; see the TaskManager log",
                            true,
                            report));
        }
    }

    private java.util.Optional<PublishedCheckpoint> findPublished(GrowthDecision decision)
            throws IOException {
        return store.findPublished(
                decision.getRunId(), decision.getGeneration() + 1, decision.getDecisionId());
    }

    private org.apache.flink.core.fs.Path staging(GrowthDecision decision) {
        return store.decisionStaging(
                decision.getRunId(), decision.getGeneration() + 1, decision.getDecisionId());
    }

    /** Whether a staged shard holds exactly the group's tensors (names, dtypes, shapes, order). */
    private boolean holds(
            org.apache.flink.core.fs.Path staging, FileEntry shard, TensorGroups.Group group)
            throws IOException {
        Path view = store.localView(staging, List.of(shard), workDirectory);
        try (SafetensorsFile file = SafetensorsFile.open(view.resolve(shard.getPath()))) {
            List<dev.graft.growth.tensor.TensorInfo> want = group.targetTensors();
            List<dev.graft.growth.tensor.TensorInfo> have = file.tensors();
            if (have.size() != want.size()) {
                return false;
            }
            for (int i = 0; i < want.size(); i++) {
                var a = have.get(i);
                var b = want.get(i);
                if (!a.name().equals(b.name())
                        || a.dtype() != b.dtype()
                        || !a.hasShape(b.shape())) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            if (!view.getFileName().toString().equals(staging.getName())) {
                LocalFiles.deleteTree(view);
            }
        }
    }

    /** The decision's plan (cached per worker), or the FAILED outcome saying why there is none. */
    private Planning plan(GrowthDecision decision, Reporter report) throws IOException {
        String id = decision.getDecisionId();
        synchronized (plans) {
            Planned cached = plans.get(id);
            if (cached != null) {
                return new Planning(cached, null);
            }
        }
        CheckpointRef sourceRef = decision.getSourceCheckpoint();
        if (sourceRef == null) {
            return new Planning(
                    null,
                    failed(
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
                            report));
        }
        GrowthOperator operator;
        try {
            operator = GrowthOperator.fromName(decision.getOperator());
        } catch (IllegalArgumentException e) {
            return new Planning(
                    null, failed(decision, "UNSUPPORTED_OPERATOR", e.getMessage(), false, report));
        }
        Path source = localSource(sourceRef);
        if (source == null || !Files.isRegularFile(source.resolve(HfConfig.FILE_NAME))) {
            return new Planning(
                    null,
                    failed(
                            decision,
                            "SOURCE_MISSING",
                            "expected a Hugging Face checkpoint directory at "
                                    + sourceRef.getUri()
                                    + ", found "
                                    + (source == null
                                            ? "a URI Graft cannot read"
                                            : "no config.json")
                                    + "; was it deleted or moved after it was announced?",
                            false,
                            report));
        }
        report.stage(TransformStage.READ, TransformStatus.STARTED, 0.0, "reading " + source);
        ObjectNode config = HfConfig.readTree(source.resolve(HfConfig.FILE_NAME));
        GrowthOptions options = GrowthOptions.defaults().withSeed(seed(decision));
        GrowthTarget target;
        int factor;
        try {
            ArchSpec before = HfConfig.read(source.resolve(HfConfig.FILE_NAME));
            target = target(decision, before, operator);
            factor = factor(decision, operator);
        } catch (IllegalArgumentException e) {
            return new Planning(
                    null, failed(decision, "IMPOSSIBLE_TARGET", e.getMessage(), false, report));
        }
        List<int[]> calibration = null;
        Map<String, String> calibrationRecord = Map.of();
        if (operator == GrowthOperator.SUBCLONE) {
            // Subcloning ranks neurons by activations: on Graft's built-in English corpus through
            // the checkpoint's own tokenizer when it has one; otherwise seeded random tokens,
            // which still separate live from dead units. The record says which was used.
            ArchSpec before = HfConfig.read(source.resolve(HfConfig.FILE_NAME));
            String how;
            if (Files.isRegularFile(source.resolve(HfTokenizer.FILE_NAME))) {
                Calibration builtIn = Calibration.builtIn(source);
                calibration = builtIn.sequences();
                calibrationRecord = builtIn.manifestOptions();
                how = "the built-in English corpus (" + builtIn.describe() + ")";
            } else {
                var probes =
                        Probes.random(
                                options.seed(),
                                8,
                                Math.min(64, before.maxPositions()),
                                before.vocabSize());
                calibration = List.of(probes.tokenIds());
                calibrationRecord =
                        Map.of(
                                "calibration",
                                "seeded random tokens, 8 sequences (the checkpoint has no"
                                        + " tokenizer.json)");
                how = "8 seeded random sequences (the checkpoint has no tokenizer.json)";
            }
            report.stage(
                    TransformStage.PLAN,
                    TransformStatus.RUNNING,
                    0.05,
                    "subclone calibrated on " + how);
        }
        GrowthPlan plan;
        try (SafetensorsSource in = SafetensorsCheckpoint.open(source)) {
            plan =
                    CheckpointGrowth.plan(
                            source,
                            in,
                            new CheckpointGrowth.Request(
                                    operator,
                                    target,
                                    factor,
                                    options,
                                    splitting.maxShardBytes(),
                                    Math.max(0, probeSequences),
                                    Math.max(1, probeTokens),
                                    calibration));
        } catch (GrowthPlanException e) {
            return new Planning(
                    null, failed(decision, "IMPOSSIBLE_TARGET", e.getMessage(), false, report));
        } catch (IOException e) {
            return new Planning(
                    null,
                    failed(
                            decision,
                            "SOURCE_CORRUPT",
                            "could not read or plan " + sourceRef.getUri() + ": " + e.getMessage(),
                            false,
                            report));
        }
        Planned planned = new Planned(source, config, sourceRef, operator, plan, calibrationRecord);
        synchronized (plans) {
            plans.put(id, planned);
        }
        return new Planning(planned, null);
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
        private final String label;

        /**
         * @param label appended to messages, e.g. {@code " (group 2/4)"}
         */
        Reporter(GrowthDecision decision, ProgressListener listener, String label) {
            this.decision = decision;
            this.listener = listener;
            this.label = label;
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
                                .setMessage(message + label)
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
