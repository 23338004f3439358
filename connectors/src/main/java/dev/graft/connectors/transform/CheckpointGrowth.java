package dev.graft.connectors.transform;

import dev.graft.connectors.LocalFiles;
import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.connectors.safetensors.SafetensorsWriter;
import dev.graft.connectors.safetensors.ShardedSafetensorsWriter;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.model.TransformerModel;
import dev.graft.growth.ops.ActivationImportance;
import dev.graft.growth.ops.GrowthExecution;
import dev.graft.growth.ops.GrowthOperator;
import dev.graft.growth.ops.GrowthOptions;
import dev.graft.growth.ops.GrowthPlan;
import dev.graft.growth.ops.GrowthPlanException;
import dev.graft.growth.ops.GrowthPlanner;
import dev.graft.growth.ops.GrowthTarget;
import dev.graft.growth.ops.Importance;
import dev.graft.growth.ops.OptimizerState;
import dev.graft.growth.ops.Shrinking;
import dev.graft.growth.ops.TensorMapping;
import dev.graft.growth.ops.Unsharing;
import dev.graft.growth.ops.WeightMagnitude;
import dev.graft.growth.tensor.TensorInfo;
import dev.graft.growth.verify.Claim;
import dev.graft.growth.verify.Probes;
import dev.graft.growth.verify.Verification;
import dev.graft.growth.verify.Verifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Grows a Hugging Face checkpoint directory into a new one: plan, write the tensors (streamed,
 * tensor by tensor), write {@code config.json} and, when asked, map the optimizer state; then
 * verify by running both models on the same probes. What {@code graft grow} and the TransformJob
 * both do; neither writes the manifest here (the CLI writes {@code graft.json}, the job publishes
 * through the store).
 *
 * <pre>{@code
 * CheckpointGrowth.Result r = CheckpointGrowth.grow(src, dst, request, progress);
 * r.verification().passed();
 * }</pre>
 */
public final class CheckpointGrowth {
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CheckpointGrowth() {}

    /**
     * What to do.
     *
     * @param shardBytes largest safetensors shard
     * @param probeSequences probe sequences for verification; 0 skips verification
     * @param probeTokens tokens per probe sequence
     */
    public record Request(
            GrowthOperator operator,
            GrowthTarget target,
            int factor,
            GrowthOptions options,
            long shardBytes,
            int probeSequences,
            int probeTokens,
            List<int[]> calibration) {
        /** A request without calibration tokens (growth, select, magnitude). */
        public Request(
                GrowthOperator operator,
                GrowthTarget target,
                int factor,
                GrowthOptions options,
                long shardBytes,
                int probeSequences,
                int probeTokens) {
            this(operator, target, factor, options, shardBytes, probeSequences, probeTokens, null);
        }

        public Request {
            if (probeSequences < 0 || probeTokens < 1) {
                throw new IllegalArgumentException(
                        "expected probe sequences >= 0 and probe tokens >= 1, found "
                                + probeSequences
                                + " and "
                                + probeTokens);
            }
        }
    }

    /**
     * What came of it.
     *
     * @param verification null when verification was skipped ({@code probeSequences == 0})
     * @param optimizerState what happened to {@code optimizer.safetensors}, in words
     */
    public record Result(GrowthPlan plan, Verification verification, String optimizerState) {}

    /** The plan for {@code src} (reads only headers and {@code config.json}). */
    public static GrowthPlan plan(Path src, SafetensorsSource source, Request request)
            throws IOException {
        ObjectNode config = HfConfig.readTree(src.resolve(HfConfig.FILE_NAME));
        return plan(src, config, source, request);
    }

    private static GrowthPlan plan(
            Path src, ObjectNode config, SafetensorsSource source, Request request)
            throws IOException {
        GrowthOperator operator = request.operator();
        boolean albert = "albert".equals(config.path("model_type").asText());
        if (operator == GrowthOperator.UNSHARE && albert) {
            return Unsharing.planAlbert(
                    config.path("num_hidden_layers").asInt(12),
                    config.path("num_hidden_groups").asInt(1),
                    source.tensors(),
                    request.options());
        }
        if (albert) {
            throw new GrowthPlanException(
                    "albert is read only to unshare; run --op unshare first, then grow the"
                            + " result");
        }
        ArchSpec arch = HfConfig.fromJson(config, src.resolve(HfConfig.FILE_NAME).toString());
        if (operator.isShrink()) {
            return planShrink(
                    operator,
                    arch,
                    source,
                    request.target(),
                    Shrinking.Settings.defaults(),
                    request.calibration(),
                    request.options());
        }
        if (operator == GrowthOperator.UNSHARE) {
            List<List<Integer>> groups = new ArrayList<>();
            JsonNode marker = config.get(Unsharing.SHARED_LAYERS_KEY);
            if (marker != null && marker.isArray()) {
                for (JsonNode g : marker) {
                    List<Integer> group = new ArrayList<>();
                    g.forEach(l -> group.add(l.asInt()));
                    groups.add(group);
                }
            }
            return Unsharing.plan(arch, source.tensors(), groups, request.options());
        }
        return GrowthPlanner.plan(
                operator,
                arch,
                source.tensors(),
                request.target(),
                request.factor(),
                request.options());
    }

    /**
     * Plans a shrink: importance from activations on the calibration tokens (subclone), from weight
     * norms (magnitude), or none (select, evenly spaced).
     *
     * @throws IllegalArgumentException when subclone has no calibration tokens
     */
    public static GrowthPlan planShrink(
            GrowthOperator operator,
            ArchSpec arch,
            SafetensorsSource source,
            GrowthTarget target,
            Shrinking.Settings settings,
            List<int[]> calibration,
            GrowthOptions options)
            throws IOException {
        Importance importance =
                switch (operator) {
                    case SUBCLONE -> {
                        if (calibration == null || calibration.isEmpty()) {
                            throw new IllegalArgumentException(
                                    "subclone ranks by activations on calibration tokens; give"
                                            + " them (token ids, one sequence per line), or use"
                                            + " magnitude without data");
                        }
                        try (TransformerModel model = TransformerModel.of(arch, source)) {
                            yield ActivationImportance.measure(model, calibration);
                        }
                    }
                    case MAGNITUDE -> WeightMagnitude.of(arch, source);
                    default -> null;
                };
        return Shrinking.plan(
                operator, arch, source.tensors(), target, importance, settings, options);
    }

    /**
     * Grows {@code src} into {@code dst} (absent or empty). On failure {@code dst} is removed.
     *
     * @throws GrowthPlanException when the target is impossible, saying what would work
     */
    public static Result grow(
            Path src, Path dst, Request request, GrowthExecution.Progress progress)
            throws IOException {
        if (!Files.isRegularFile(src.resolve(HfConfig.FILE_NAME))) {
            throw new IOException(
                    src + " has no config.json; expected a Hugging Face checkpoint directory");
        }
        requireEmpty(dst);
        ObjectNode config = HfConfig.readTree(src.resolve(HfConfig.FILE_NAME));
        Files.createDirectories(dst);
        try {
            GrowthPlan plan;
            String optimizerState;
            try (SafetensorsSource source = SafetensorsCheckpoint.open(src)) {
                plan = plan(src, config, source, request);
                optimizerState =
                        writeModel(plan, src, config, source, dst, request.shardBytes(), progress);
            }
            Verification verification =
                    request.probeSequences() == 0
                            ? null
                            : verify(
                                    src,
                                    dst,
                                    plan,
                                    request.probeSequences(),
                                    request.probeTokens());
            return new Result(plan, verification, optimizerState);
        } catch (IOException | RuntimeException | Error e) {
            LocalFiles.deleteTree(dst);
            throw e;
        }
    }

    /**
     * Runs source and result on the same seeded probes: lossless operators must stay within {@link
     * Claim#DEFAULT_TOLERANCE}; approximate ones get their numbers.
     */
    public static Verification verify(
            Path src, Path dst, GrowthPlan plan, int sequences, int tokens) throws IOException {
        ObjectNode srcConfig = HfConfig.readTree(src.resolve(HfConfig.FILE_NAME));
        ArchSpec before = HfConfig.fromJson(srcConfig, src.resolve(HfConfig.FILE_NAME).toString());
        ArchSpec after = HfConfig.read(dst.resolve(HfConfig.FILE_NAME));
        int vocab = Math.min(before.vocabSize(), after.vocabSize());
        int length = Math.min(tokens, Math.min(before.maxPositions(), after.maxPositions()));
        Claim claim = plan.exactness().exact() ? Claim.exact() : Claim.approximate();
        try (SafetensorsSource a = SafetensorsCheckpoint.open(src);
                SafetensorsSource b = SafetensorsCheckpoint.open(dst);
                TransformerModel source = TransformerModel.of(before, a);
                TransformerModel result = TransformerModel.of(after, b)) {
            return Verifier.verify(
                    source,
                    result,
                    Probes.random(plan.options().seed(), sequences, length, vocab),
                    claim);
        }
    }

    /**
     * Writes what {@code plan} describes into {@code dst} (an existing, empty directory): the
     * tensors, streamed one at a time, {@code config.json} (the target architecture over the
     * source's other fields) and, as the plan's options say, the optimizer state. Any plan: growth
     * or shrink.
     *
     * @return what happened to {@code optimizer.safetensors}, in words
     */
    public static String writeModel(
            GrowthPlan plan,
            Path src,
            ObjectNode config,
            SafetensorsSource source,
            Path dst,
            long shardBytes,
            GrowthExecution.Progress progress)
            throws IOException {
        try (ShardedSafetensorsWriter sink =
                SafetensorsCheckpoint.create(
                        dst, plan.targetTensors(), source.metadata(), shardBytes)) {
            GrowthExecution.apply(plan, source, sink, progress);
        }
        return writeMetadata(plan, src, config, dst);
    }

    /**
     * Writes everything of the result but the model tensors into {@code dst}: {@code config.json}
     * (the target architecture over the source's other fields) and, as the plan's options say, the
     * optimizer state.
     *
     * @return what happened to {@code optimizer.safetensors}, in words
     */
    public static String writeMetadata(GrowthPlan plan, Path src, ObjectNode config, Path dst)
            throws IOException {
        writeConfig(plan, config, dst);
        return optimizerState(plan, src, dst);
    }

    private static void writeConfig(GrowthPlan plan, ObjectNode config, Path dst)
            throws IOException {
        ObjectNode grown =
                plan.target() != null ? HfConfig.toJson(plan.target(), config) : config.deepCopy();
        for (Map.Entry<String, String> e : plan.configChanges().entrySet()) {
            grown.set(e.getKey(), JSON.readTree(e.getValue()));
        }
        plan.configRemovals().forEach(grown::remove);
        Files.write(dst.resolve(HfConfig.FILE_NAME), JSON.writeValueAsBytes(grown));
    }

    private static String optimizerState(GrowthPlan plan, Path src, Path dst) throws IOException {
        Path optimizerFile = src.resolve(OptimizerState.FILE_NAME);
        if (!Files.isRegularFile(optimizerFile)) {
            return "none beside the source";
        }
        if (plan.options().optimizerState() != GrowthOptions.OptimizerStateMode.MAP) {
            return "reset: " + OptimizerState.FILE_NAME + " not carried";
        }
        try (SafetensorsSource moments = SafetensorsCheckpoint.open(optimizerFile)) {
            List<TensorMapping> mappings = OptimizerState.mappings(plan, moments.tensors());
            List<TensorInfo> infos = mappings.stream().map(TensorMapping::target).toList();
            try (SafetensorsWriter w =
                    SafetensorsWriter.create(
                            dst.resolve(OptimizerState.FILE_NAME), infos, moments.metadata())) {
                GrowthExecution.apply(
                        mappings,
                        plan.options().seed(),
                        true,
                        moments,
                        w,
                        GrowthExecution.Progress.NONE);
            }
        }
        return "mapped (" + OptimizerState.FILE_NAME + ")";
    }

    private static void requireEmpty(Path dst) throws IOException {
        if (Files.exists(dst)) {
            try (Stream<Path> s = Files.list(dst)) {
                if (s.findAny().isPresent()) {
                    throw new IOException(dst + " exists and is not empty; give a new directory");
                }
            }
        }
    }
}
