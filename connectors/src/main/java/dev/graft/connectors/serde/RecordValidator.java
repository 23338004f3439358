package dev.graft.connectors.serde;

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
import dev.graft.schema.GrowthCommand;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.LrSchedule;
import dev.graft.schema.PublishStatus;
import dev.graft.schema.TrainingMetric;
import dev.graft.schema.TransformProgress;
import dev.graft.schema.TransformStatus;
import dev.graft.schema.Verification;
import dev.graft.schema.WindowStats;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Semantic checks for the records on Graft's topics: what the schema cannot say (a step is never
 * negative, a run_id is never blank, a record is keyed by its run_id, ...).
 *
 * <pre>{@code
 * List<RecordValidator.Violation> problems = RecordValidator.validate(metric, keyBytes);
 * // [$.step: expected >= 0, found -1]
 * }</pre>
 *
 * <p>NaN and infinite metric values are valid: they are divergence signals for the detectors.
 */
public final class RecordValidator {

    /**
     * One problem with a record: its code ({@link ErrorCode#INVALID_VALUE} or {@link
     * ErrorCode#KEY_MISMATCH}), the JSON path of the field and what was expected and found.
     */
    public record Violation(ErrorCode code, String path, String message) {
        @Override
        public String toString() {
            return path + ": " + message;
        }
    }

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Set<String> DTYPES = Set.of("F32", "F16", "BF16");
    private static final Set<String> NORM_PLACEMENTS = Set.of("pre", "post");
    private static final String FLEET = "*";

    private RecordValidator() {}

    /** Checks the record's values; an empty list means valid. */
    public static List<Violation> validate(SpecificRecord record) {
        return validate(record, null);
    }

    /**
     * Checks the record's values and, when {@code key} is non-null and non-empty, that the Kafka
     * key is the record's run_id in UTF-8 (every Graft topic is keyed by run_id; a dead letter only
     * when its run_id is known).
     */
    public static List<Violation> validate(SpecificRecord record, byte[] key) {
        Checks c = new Checks();
        if (record instanceof TrainingMetric r) {
            trainingMetric(c, r);
        } else if (record instanceof CheckpointSaved r) {
            checkpointSaved(c, r);
        } else if (record instanceof BudgetChange r) {
            budgetChange(c, r);
        } else if (record instanceof GrowthCommand r) {
            growthCommand(c, r);
        } else if (record instanceof GrowthDecision r) {
            growthDecision(c, r);
        } else if (record instanceof CheckpointPublished r) {
            checkpointPublished(c, r);
        } else if (record instanceof TransformProgress r) {
            transformProgress(c, r);
        } else if (record instanceof DeadLetter r) {
            deadLetter(c, r);
        } else {
            throw new IllegalArgumentException(
                    "no validator for "
                            + record.getSchema().getFullName()
                            + "; expected one of dev.graft.schema.Contracts.TOPIC_RECORDS");
        }
        if (key != null && key.length > 0) {
            checkKey(c, record, key);
        }
        return List.copyOf(c.violations);
    }

    /** The record's run_id field, if its schema has one and it is set. */
    public static Optional<String> runId(SpecificRecord record) {
        Schema.Field field = record.getSchema().getField("run_id");
        if (field == null) {
            return Optional.empty();
        }
        Object value = record.get(field.pos());
        return value == null ? Optional.empty() : Optional.of(value.toString());
    }

    /** The key as strict UTF-8, or empty if it is null, empty or not UTF-8. */
    static Optional<String> keyAsString(byte[] key) {
        if (key == null || key.length == 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(key))
                            .toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static void checkKey(Checks c, SpecificRecord record, byte[] key) {
        Optional<String> runId = runId(record);
        if (runId.isEmpty()) {
            return; // a dead letter whose run is unknown may carry any key
        }
        Optional<String> keyString = keyAsString(key);
        if (keyString.isEmpty()) {
            c.add(
                    ErrorCode.KEY_MISMATCH,
                    "key",
                    "expected the Kafka key to be the run_id \""
                            + runId.get()
                            + "\" in UTF-8, found "
                            + key.length
                            + " bytes that are not UTF-8; produce with key = run_id");
        } else if (!keyString.get().equals(runId.get())) {
            c.add(
                    ErrorCode.KEY_MISMATCH,
                    "key",
                    "expected the Kafka key to equal $.run_id \""
                            + runId.get()
                            + "\", found key \""
                            + abbreviate(keyString.get())
                            + "\"; every record is keyed by its run_id, so produce with key ="
                            + " run_id");
        }
    }

    private static void trainingMetric(Checks c, TrainingMetric r) {
        c.runId("$.run_id", r.getRunId());
        c.nonNegative("$.generation", r.getGeneration());
        c.nonNegative("$.step", r.getStep());
        c.nonNegative("$.wall_time_ms", r.getWallTimeMs());
        if (r.getMetrics().isEmpty()) {
            c.add(
                    "$.metrics",
                    "expected at least one metric value (e.g. {\"loss\": 2.31}), found an empty"
                            + " map");
        }
        c.keysNonBlank("$.metrics", r.getMetrics());
        c.nonBlank("$.split", r.getSplit());
        if (r.getTokensSeen() != null) {
            c.nonNegative("$.tokens_seen", r.getTokensSeen());
        }
    }

    private static void checkpointSaved(Checks c, CheckpointSaved r) {
        c.runId("$.run_id", r.getRunId());
        checkpointRef(c, "$.checkpoint", r.getCheckpoint());
        c.nonNegative("$.wall_time_ms", r.getWallTimeMs());
        c.nonBlank("$.format", r.getFormat());
        if (r.getArch() != null) {
            arch(c, "$.arch", r.getArch());
        }
        files(c, "$.files", r.getFiles());
        c.keysNonBlank("$.training_state", r.getTrainingState());
    }

    private static void budgetChange(Checks c, BudgetChange r) {
        c.runId("$.run_id", r.getRunId());
        c.nonBlank("$.budget_id", r.getBudgetId());
        boolean fleetId = FLEET.equals(r.getRunId());
        if (r.getScope() == BudgetScope.FLEET && !fleetId) {
            c.add(
                    "$.run_id",
                    "expected \"*\" for a FLEET budget, found \""
                            + abbreviate(r.getRunId())
                            + "\"; use scope RUN for one run");
        } else if (r.getScope() == BudgetScope.RUN && fleetId) {
            c.add("$.scope", "expected FLEET for run_id \"*\", found RUN");
        }
        if (r.getMaxParameters() != null) {
            c.positive("$.max_parameters", r.getMaxParameters());
        }
        if (r.getMaxMemoryBytes() != null) {
            c.positive("$.max_memory_bytes", r.getMaxMemoryBytes());
        }
        if (r.getMaxFlopsPerToken() != null) {
            c.positiveFinite("$.max_flops_per_token", r.getMaxFlopsPerToken());
        }
        c.nonNegative("$.effective_from_ms", r.getEffectiveFromMs());
    }

    private static void growthCommand(Checks c, GrowthCommand r) {
        c.runId("$.run_id", r.getRunId());
        c.nonBlank("$.command_id", r.getCommandId());
        if (r.getAction() == CommandAction.UNKNOWN) {
            c.add(
                    "$.action",
                    "expected one of GROW, SHRINK, UNSHARE, HOLD, RELEASE, found UNKNOWN (or an"
                            + " action this Graft version does not know); upgrade Graft or fix"
                            + " the command");
        }
        if (r.getTargetArch() != null) {
            arch(c, "$.target_arch", r.getTargetArch());
        }
        if (r.getOperator() != null) {
            c.nonBlank("$.operator", r.getOperator());
        }
        c.keysNonBlank("$.options", r.getOptions());
        c.nonNegative("$.wall_time_ms", r.getWallTimeMs());
    }

    private static void growthDecision(Checks c, GrowthDecision r) {
        c.nonBlank("$.decision_id", r.getDecisionId());
        c.runId("$.run_id", r.getRunId());
        c.nonNegative("$.generation", r.getGeneration());
        c.nonNegative("$.step", r.getStep());
        c.nonNegative("$.wall_time_ms", r.getWallTimeMs());
        if (r.getAction() == dev.graft.schema.Action.UNKNOWN) {
            c.add("$.action", "expected GROW, SHRINK, UNSHARE or NONE, found UNKNOWN");
        }
        if (r.getStatus() == DecisionStatus.UNKNOWN) {
            c.add("$.status", "expected READY, NO_CHECKPOINT or ADVISORY, found UNKNOWN");
        }
        if (r.getStatus() == DecisionStatus.READY && r.getSourceCheckpoint() == null) {
            c.add(
                    "$.source_checkpoint",
                    "expected a checkpoint for a READY decision, found null; use status"
                            + " NO_CHECKPOINT when none is known yet");
        }
        evidence(c, "$.evidence", r.getEvidence());
        if (r.getSourceCheckpoint() != null) {
            checkpointRef(c, "$.source_checkpoint", r.getSourceCheckpoint());
        }
        if (r.getSourceArch() != null) {
            arch(c, "$.source_arch", r.getSourceArch());
        }
        if (r.getTargetArch() != null) {
            arch(c, "$.target_arch", r.getTargetArch());
        }
        if (r.getAction() != dev.graft.schema.Action.NONE) {
            c.nonBlank("$.operator", r.getOperator());
        }
        c.keysNonBlank("$.operator_options", r.getOperatorOptions());
        if (r.getSchedule() != null) {
            schedule(c, "$.schedule", r.getSchedule());
        }
    }

    private static void checkpointPublished(Checks c, CheckpointPublished r) {
        c.runId("$.run_id", r.getRunId());
        c.nonBlank("$.decision_id", r.getDecisionId());
        c.nonNegative("$.generation", r.getGeneration());
        c.nonBlank("$.operator", r.getOperator());
        c.keysNonBlank("$.operator_options", r.getOperatorOptions());
        if (r.getParent() != null) {
            checkpointRef(c, "$.parent", r.getParent());
        }
        boolean published = r.getStatus() == PublishStatus.PUBLISHED;
        if (published) {
            // A published checkpoint is complete: where it is, what it is, how it was checked.
            require(c, "$.parent", r.getParent(), "a published checkpoint");
            require(c, "$.checkpoint", r.getCheckpoint(), "a published checkpoint");
            require(c, "$.source_arch", r.getSourceArch(), "a published checkpoint");
            require(c, "$.target_arch", r.getTargetArch(), "a published checkpoint");
            require(c, "$.verification", r.getVerification(), "a published checkpoint");
            if (r.getError() != null) {
                c.add(
                        "$.error",
                        "expected no error on a PUBLISHED record, found " + r.getError().getCode());
            }
            if (r.getFiles().isEmpty()) {
                c.add("$.files", "expected at least one file (config.json, weights), found none");
            }
        } else if (r.getError() == null) {
            c.add("$.error", "expected the reason on a " + r.getStatus() + " record, found none");
        }
        if (r.getCheckpoint() != null) {
            checkpointRef(c, "$.checkpoint", r.getCheckpoint());
        }
        if (r.getSourceArch() != null) {
            arch(c, "$.source_arch", r.getSourceArch());
        }
        if (r.getTargetArch() != null) {
            arch(c, "$.target_arch", r.getTargetArch());
        }
        if (r.getVerification() != null) {
            verification(c, "$.verification", r.getVerification());
        }
        files(c, "$.files", r.getFiles());
        c.nonNegative("$.total_bytes", r.getTotalBytes());
        long sum = 0;
        for (FileEntry f : r.getFiles()) {
            sum += f.getBytes();
        }
        if (!r.getFiles().isEmpty() && sum != r.getTotalBytes()) {
            c.add(
                    "$.total_bytes",
                    "expected the sum of $.files[*].bytes ("
                            + sum
                            + "), found "
                            + r.getTotalBytes());
        }
        if (r.getSchedule() != null) {
            schedule(c, "$.schedule", r.getSchedule());
        }
        c.nonNegative("$.wall_time_ms", r.getWallTimeMs());
    }

    private static void transformProgress(Checks c, TransformProgress r) {
        c.runId("$.run_id", r.getRunId());
        c.nonBlank("$.decision_id", r.getDecisionId());
        double fraction = r.getFraction();
        if (!(fraction >= 0.0 && fraction <= 1.0)) {
            c.add("$.fraction", "expected a number in [0, 1], found " + fraction);
        }
        c.nonNegative("$.tensors_done", r.getTensorsDone());
        c.nonNegative("$.tensors_total", r.getTensorsTotal());
        c.nonNegative("$.bytes_done", r.getBytesDone());
        c.nonNegative("$.bytes_total", r.getBytesTotal());
        if (r.getTensorsTotal() > 0 && r.getTensorsDone() > r.getTensorsTotal()) {
            c.add(
                    "$.tensors_done",
                    "expected at most $.tensors_total ("
                            + r.getTensorsTotal()
                            + "), found "
                            + r.getTensorsDone());
        }
        if (r.getBytesTotal() > 0 && r.getBytesDone() > r.getBytesTotal()) {
            c.add(
                    "$.bytes_done",
                    "expected at most $.bytes_total ("
                            + r.getBytesTotal()
                            + "), found "
                            + r.getBytesDone());
        }
        if (r.getStatus() == TransformStatus.FAILED && r.getError() == null) {
            c.add("$.error", "expected the error of a FAILED transform, found null");
        }
        if (r.getError() != null) {
            errorInfo(c, "$.error", r.getError());
        }
        c.nonNegative("$.wall_time_ms", r.getWallTimeMs());
    }

    private static void deadLetter(Checks c, DeadLetter r) {
        if (r.getRunId() != null) {
            c.runId("$.run_id", r.getRunId());
        }
        c.nonBlank("$.source_topic", r.getSourceTopic());
        // -1: not from Kafka (a replayed file), as Kafka itself uses for unknown offsets.
        if (r.getPartition() < -1) {
            c.add("$.partition", "expected >= -1, found " + r.getPartition());
        }
        if (r.getOffset() < -1) {
            c.add("$.offset", "expected >= -1, found " + r.getOffset());
        }
        c.nonBlank("$.format", r.getFormat());
        c.nonBlank("$.expected_schema", r.getExpectedSchema());
        c.nonBlank("$.stage", r.getStage());
        errorInfo(c, "$.error", r.getError());
        c.nonNegative("$.wall_time_ms", r.getWallTimeMs());
    }

    private static void checkpointRef(Checks c, String path, CheckpointRef ref) {
        c.nonBlank(path + ".uri", ref.getUri());
        c.nonNegative(path + ".generation", ref.getGeneration());
        c.nonNegative(path + ".step", ref.getStep());
        if (ref.getSha256() != null) {
            c.sha256(path + ".sha256", ref.getSha256());
        }
    }

    private static void files(Checks c, String path, List<FileEntry> files) {
        for (int i = 0; i < files.size(); i++) {
            FileEntry f = files.get(i);
            String at = path + "[" + i + "]";
            String p = f.getPath();
            if (p.isBlank()
                    || p.startsWith("/")
                    || p.contains("\\")
                    || List.of(p.split("/", -1)).contains("..")) {
                c.add(
                        at + ".path",
                        "expected a '/'-separated path relative to the checkpoint directory"
                                + " without '..', found \""
                                + abbreviate(p)
                                + "\"");
            }
            c.nonNegative(at + ".bytes", f.getBytes());
            c.sha256(at + ".sha256", f.getSha256());
        }
    }

    private static void require(Checks c, String path, Object value, String what) {
        if (value == null) {
            c.add(path, "expected a value on " + what + ", found null");
        }
    }

    private static void arch(Checks c, String path, ArchSpec a) {
        c.nonBlank(path + ".family", a.getFamily());
        c.positive(path + ".vocab_size", a.getVocabSize());
        c.positive(path + ".hidden_size", a.getHiddenSize());
        c.positive(path + ".num_layers", a.getNumLayers());
        c.positive(path + ".num_heads", a.getNumHeads());
        c.positive(path + ".num_kv_heads", a.getNumKvHeads());
        c.positive(path + ".head_dim", a.getHeadDim());
        c.positive(path + ".intermediate_size", a.getIntermediateSize());
        c.positive(path + ".max_positions", a.getMaxPositions());
        if (a.getNumKvHeads() > 0 && a.getNumHeads() % a.getNumKvHeads() != 0) {
            c.add(
                    path + ".num_kv_heads",
                    "expected a divisor of num_heads ("
                            + a.getNumHeads()
                            + "), found "
                            + a.getNumKvHeads());
        }
        c.nonBlank(path + ".norm", a.getNorm());
        c.positiveFinite(path + ".norm_eps", a.getNormEps());
        c.oneOf(path + ".norm_placement", a.getNormPlacement(), NORM_PLACEMENTS);
        c.nonBlank(path + ".activation", a.getActivation());
        if (a.getNumLayerGroups() < 0 || a.getNumLayerGroups() > a.getNumLayers()) {
            c.add(
                    path + ".num_layer_groups",
                    "expected 0 (no sharing) up to num_layers ("
                            + a.getNumLayers()
                            + "), found "
                            + a.getNumLayerGroups());
        }
        if (a.getRopeTheta() != null) {
            c.positiveFinite(path + ".rope_theta", a.getRopeTheta());
        }
        c.positive(path + ".parameter_count", a.getParameterCount());
        c.oneOf(path + ".dtype", a.getDtype(), DTYPES);
        c.keysNonBlank(path + ".extra", a.getExtra());
    }

    private static void evidence(Checks c, String path, Evidence e) {
        c.nonBlank(path + ".rule", e.getRule());
        c.keysNonBlank(path + ".thresholds", e.getThresholds());
        c.keysNonBlank(path + ".settings", e.getSettings());
        WindowStats w = e.getWindow();
        if (w != null) {
            String wp = path + ".window";
            c.nonNegative(wp + ".count", w.getCount());
            c.nonNegative(wp + ".first_step", w.getFirstStep());
            if (w.getLastStep() < w.getFirstStep()) {
                c.add(
                        wp + ".last_step",
                        "expected >= first_step ("
                                + w.getFirstStep()
                                + "), found "
                                + w.getLastStep());
            }
            c.nonNegative(wp + ".best_step", w.getBestStep());
            c.nonNegative(wp + ".bad_evaluations", w.getBadEvaluations());
        }
    }

    private static void verification(Checks c, String path, Verification v) {
        c.nonBlank(path + ".method", v.getMethod());
        c.nonNegative(path + ".probe_sequences", v.getProbeSequences());
        c.nonNegative(path + ".probe_tokens", v.getProbeTokens());
        c.oneOf(path + ".compute_dtype", v.getComputeDtype(), DTYPES);
        // NaN deltas are allowed: they report a failed verification (then passed is false).
        c.notNegative(path + ".max_abs_delta", v.getMaxAbsDelta());
        c.notNegative(path + ".logit_scale", v.getLogitScale());
        c.notNegative(path + ".relative_delta", v.getRelativeDelta());
        if (v.getTolerance() != null) {
            c.positiveFinite(path + ".tolerance", v.getTolerance());
        }
    }

    private static void schedule(Checks c, String path, LrSchedule s) {
        c.nonBlank(path + ".kind", s.getKind());
        c.positiveFinite(path + ".peak_lr", s.getPeakLr());
        double min = s.getMinLr();
        if (!(min >= 0.0 && min <= s.getPeakLr())) {
            c.add(
                    path + ".min_lr",
                    "expected a number in [0, peak_lr " + s.getPeakLr() + "], found " + min);
        }
        c.nonNegative(path + ".warmup_steps", s.getWarmupSteps());
        c.nonNegative(path + ".decay_steps", s.getDecaySteps());
    }

    private static void errorInfo(Checks c, String path, ErrorInfo e) {
        c.nonBlank(path + ".code", e.getCode());
        c.nonBlank(path + ".message", e.getMessage());
    }

    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    /** Collects violations; one method per kind of rule keeps messages uniform. */
    private static final class Checks {
        final List<Violation> violations = new ArrayList<>();

        void add(String path, String message) {
            add(ErrorCode.INVALID_VALUE, path, message);
        }

        void add(ErrorCode code, String path, String message) {
            violations.add(new Violation(code, path, message));
        }

        void runId(String path, String runId) {
            if (runId == null || runId.isBlank()) {
                add(path, "expected a non-blank run id, found " + quoted(runId));
            } else if (!runId.equals(runId.strip())) {
                add(
                        path,
                        "expected a run id without leading or trailing whitespace, found "
                                + quoted(runId));
            }
        }

        void nonBlank(String path, String value) {
            if (value == null || value.isBlank()) {
                add(path, "expected a non-blank string, found " + quoted(value));
            }
        }

        void nonNegative(String path, long value) {
            if (value < 0) {
                add(path, "expected >= 0, found " + value);
            }
        }

        void positive(String path, long value) {
            if (value <= 0) {
                add(path, "expected > 0, found " + value);
            }
        }

        void positiveFinite(String path, double value) {
            if (!(value > 0.0) || Double.isInfinite(value)) {
                add(path, "expected a finite number > 0, found " + value);
            }
        }

        /** Rejects negative numbers but lets NaN through. */
        void notNegative(String path, double value) {
            if (value < 0.0) {
                add(path, "expected >= 0, found " + value);
            }
        }

        void sha256(String path, String value) {
            if (value == null || !SHA256_HEX.matcher(value).matches()) {
                add(
                        path,
                        "expected 64 lower-case hex digits (sha256), found "
                                + quoted(value == null ? null : abbreviate(value)));
            }
        }

        void oneOf(String path, String value, Set<String> allowed) {
            if (!allowed.contains(value)) {
                add(
                        path,
                        "expected one of "
                                + allowed.stream().sorted().toList()
                                + ", found "
                                + quoted(value == null ? null : abbreviate(value)));
            }
        }

        void keysNonBlank(String path, Map<String, ?> map) {
            for (String key : map.keySet()) {
                if (key.isBlank()) {
                    add(path, "expected non-blank keys, found " + quoted(key));
                }
            }
        }

        private static String quoted(String s) {
            return s == null ? "null" : "\"" + s + "\"";
        }
    }
}
