package dev.graft.connectors.transform;

import dev.graft.connectors.serde.Fixtures;
import dev.graft.connectors.serde.RecordValidator;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.PublishStatus;
import dev.graft.schema.TransformProgress;
import dev.graft.schema.TransformStatus;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Decisions carried out against a real store on disk, with a real tiny Llama (GQA, tied head). */
class StoreTransformerTest {
    @TempDir Path tmp;

    private CheckpointStore store;
    private StoreTransformer transformer;
    private Path source;
    private final List<TransformProgress> progress = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        store = CheckpointStore.open(tmp.resolve("store").toUri());
        transformer =
                new StoreTransformer(
                        store,
                        Files.createDirectories(tmp.resolve("work")),
                        new DecisionExecutor.Worker("test", -1),
                        Clock.systemUTC(),
                        2,
                        8);
        source = Files.createDirectories(tmp.resolve("trainer/step-1200"));
        Path golden = Path.of("src/test/resources/models/llama-gqa-tied");
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(golden.resolve(f), source.resolve(f));
        }
    }

    private GrowthDecision decision(String id, String operator, Map<String, String> options) {
        return Fixtures.decisionFor(id, "run-7", operator, options, source.toUri());
    }

    @Test
    void growsVerifiesAndPublishesTheNextGenerationOnce() throws IOException {
        GrowthDecision d =
                decision("d-lemon", "lemon", Map.of("width_factor", "1.5", "depth_factor", "2"));

        CheckpointPublished first = transformer.execute(d, progress::add);

        assertThat(first.getStatus())
                .as(String.valueOf(first.getError()))
                .isEqualTo(PublishStatus.PUBLISHED);
        assertThat(RecordValidator.validate(first)).isEmpty();
        assertThat(first.getGeneration()).isEqualTo(1);
        assertThat(first.getCheckpoint().getStep()).isEqualTo(1200);
        // 4 heads of 8 ×1.5 = 6 heads, hidden 48; 2 layers ×2; GQA groups kept whole.
        assertThat(first.getTargetArch().getHiddenSize()).isEqualTo(48);
        assertThat(first.getTargetArch().getNumHeads()).isEqualTo(6);
        assertThat(first.getTargetArch().getNumLayers()).isEqualTo(4);
        assertThat(first.getSourceArch().getHiddenSize()).isEqualTo(32);
        assertThat(first.getVerification().getLossless()).isTrue();
        assertThat(first.getVerification().getPassed()).isTrue();
        assertThat(first.getVerification().getRelativeDelta()).isLessThanOrEqualTo(1e-4);
        assertThat(first.getSchedule().getRationale()).contains("LEMON");
        assertThat(progress)
                .extracting(TransformProgress::getStatus)
                .contains(TransformStatus.SUCCEEDED);

        // Run again (as after a failure and restart): the committed result, not a second copy.
        CheckpointPublished again = transformer.execute(d, progress::add);
        assertThat(again.getCheckpoint()).isEqualTo(first.getCheckpoint());
        assertThat(store.list("run-7")).hasSize(1);
        assertThat(workFiles()).as("work directory cleaned").isEmpty();
    }

    @Test
    void widthFactorsKeepWholeKvGroups() {
        // 4 query heads on 2 KV heads; ×1.25 → 3 KV heads (2.5 rounded) with 2 queries each.
        CheckpointPublished r =
                transformer.execute(
                        decision("d-gqa", "lemon", Map.of("width_factor", "1.25")), progress::add);
        assertThat(r.getStatus())
                .as(String.valueOf(r.getError()))
                .isEqualTo(PublishStatus.PUBLISHED);
        assertThat(r.getTargetArch().getNumKvHeads()).isEqualTo(3);
        assertThat(r.getTargetArch().getNumHeads()).isEqualTo(6);
        assertThat(r.getTargetArch().getHiddenSize()).isEqualTo(48);
    }

    @Test
    void aBudgetShrinkPublishesASmallerModelWithItsMeasuredDistance() throws IOException {
        dev.graft.schema.ArchSpec target =
                dev.graft.connectors.hf.ArchSpecs.toAvro(
                        dev.graft.connectors.hf.HfConfig.read(source.resolve("config.json")));
        target.setHiddenSize(16);
        target.setNumHeads(2);
        target.setNumKvHeads(1);
        target.setIntermediateSize(32);
        GrowthDecision shrink = decision("d-shrink", "subclone", Map.of());
        shrink.setAction(dev.graft.schema.Action.SHRINK);
        shrink.setTargetArch(target);

        CheckpointPublished r = transformer.execute(shrink, progress::add);

        assertThat(r.getStatus())
                .as(String.valueOf(r.getError()))
                .isEqualTo(PublishStatus.PUBLISHED);
        assertThat(r.getTargetArch().getHiddenSize()).isEqualTo(16);
        assertThat(r.getTargetArch().getNumHeads()).isEqualTo(2);
        assertThat(r.getTargetArch().getParameterCount())
                .isLessThan(r.getSourceArch().getParameterCount());
        // Approximate: the distance is measured and reported, not judged.
        assertThat(r.getVerification().getLossless()).isFalse();
        assertThat(r.getVerification().getRelativeDelta()).isFinite().isPositive();
        // No tokenizer.json beside these weights: seeded random tokens, and the record says so.
        assertThat(r.getOperatorOptions().get("calibration")).contains("seeded random tokens");

        GrowthDecision noTarget = decision("d-shrink-2", "subclone", Map.of());
        assertFailed(
                transformer.execute(noTarget, progress::add), "IMPOSSIBLE_TARGET", "target_arch");
    }

    @Test
    void aSubcloneOfACheckpointWithItsTokenizerCalibratesOnTheBuiltInCorpus() throws IOException {
        // The real all-MiniLM-L6-v2 with its tokenizer.json, as a trainer would have saved it.
        Path minilm = Files.createDirectories(tmp.resolve("trainer/minilm"));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            Files.copy(
                    dev.graft.connectors.fixtures.MiniLm.checkpoint().resolve(f),
                    minilm.resolve(f));
        }
        dev.graft.schema.ArchSpec target =
                dev.graft.connectors.hf.ArchSpecs.toAvro(
                        dev.graft.connectors.hf.HfConfig.read(minilm.resolve("config.json")));
        target.setHiddenSize(192);
        target.setNumHeads(6);
        target.setNumKvHeads(6);
        target.setIntermediateSize(768);
        GrowthDecision shrink =
                Fixtures.decisionFor("d-minilm", "run-7", "subclone", Map.of(), minilm.toUri());
        shrink.setAction(dev.graft.schema.Action.SHRINK);
        shrink.setTargetArch(target);

        CheckpointPublished r = transformer.execute(shrink, progress::add);

        assertThat(r.getStatus())
                .as(String.valueOf(r.getError()))
                .isEqualTo(PublishStatus.PUBLISHED);
        assertThat(r.getTargetArch().getHiddenSize()).isEqualTo(192);
        Calibration builtIn = Calibration.builtIn(minilm);
        assertThat(r.getOperatorOptions())
                .containsEntry("calibration.format", "built-in-text")
                .containsEntry(
                        "calibration.sha256", builtIn.manifestOptions().get("calibration.sha256"))
                .containsEntry("calibration.tokens", Integer.toString(builtIn.tokens()));
    }

    @Test
    void hypercloneByAnIntegerFactorIsExactToo() {
        CheckpointPublished r =
                transformer.execute(
                        decision("d-hc", "hyperclone", Map.of("width_factor", "2")), progress::add);
        assertThat(r.getStatus())
                .as(String.valueOf(r.getError()))
                .isEqualTo(PublishStatus.PUBLISHED);
        assertThat(r.getTargetArch().getHiddenSize()).isEqualTo(64);
        assertThat(r.getVerification().getPassed()).isTrue();
    }

    @Test
    void failuresAreDataWithTheirReason() throws IOException {
        GrowthDecision noSource = decision("d-1", "lemon", Map.of("width_factor", "2"));
        noSource.setSourceCheckpoint(null);
        GrowthDecision gone = decision("d-2", "lemon", Map.of("width_factor", "2"));
        gone.getSourceCheckpoint().setUri(tmp.resolve("deleted").toUri().toString());
        GrowthDecision fractionalClone =
                decision("d-3", "hyperclone", Map.of("width_factor", "1.5"));
        GrowthDecision unknown = decision("d-4", "magic", Map.of());

        assertFailed(
                transformer.execute(noSource, progress::add),
                "SOURCE_MISSING",
                "graft.checkpoints.saved");
        assertFailed(transformer.execute(gone, progress::add), "SOURCE_MISSING", "deleted");
        assertFailed(
                transformer.execute(fractionalClone, progress::add),
                "IMPOSSIBLE_TARGET",
                "use lemon");
        assertFailed(transformer.execute(unknown, progress::add), "UNSUPPORTED_OPERATOR", "magic");
        assertThat(store.list("run-7")).isEmpty();
        // Every decision's last progress record says it failed; none says it succeeded.
        assertThat(progress.stream().filter(p -> p.getStatus() == TransformStatus.FAILED))
                .hasSize(4);
        assertThat(progress)
                .extracting(TransformProgress::getStatus)
                .doesNotContain(TransformStatus.SUCCEEDED);
    }

    private static void assertFailed(CheckpointPublished r, String code, String fragment) {
        assertThat(r.getStatus()).isEqualTo(PublishStatus.FAILED);
        assertThat(r.getError().getCode()).isEqualTo(code);
        assertThat(r.getError().getMessage()).contains(fragment);
        assertThat(RecordValidator.validate(r)).isEmpty();
    }

    private List<Path> workFiles() throws IOException {
        try (Stream<Path> s = Files.list(tmp.resolve("work"))) {
            return s.toList();
        }
    }
}
