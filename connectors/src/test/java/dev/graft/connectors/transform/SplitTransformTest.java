package dev.graft.connectors.transform;

import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsIndex;
import dev.graft.connectors.serde.Fixtures;
import dev.graft.connectors.serde.RecordValidator;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.connectors.store.PublishedCheckpoint;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.FileEntry;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.PublishStatus;

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
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A result written in tensor groups by several workers and committed once holds exactly the tensors
 * of the one-piece result; groups may run in any order, concurrently, and again after a crash,
 * without a second copy anywhere.
 */
class SplitTransformTest {
    @TempDir Path tmp;

    private CheckpointStore store;
    private Path source;

    @BeforeEach
    void setUp() throws IOException {
        store = CheckpointStore.open(tmp.resolve("store").toUri());
        source = Files.createDirectories(tmp.resolve("trainer/step-1200"));
        Path golden = Path.of("src/test/resources/models/llama-gqa-tied");
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(golden.resolve(f), source.resolve(f));
        }
    }

    private StoreTransformer transformer(String worker, Splitting splitting) throws IOException {
        return new StoreTransformer(
                store,
                Files.createDirectories(tmp.resolve("work-" + worker)),
                new DecisionExecutor.Worker(worker, -1),
                Clock.systemUTC(),
                2,
                8,
                splitting);
    }

    private static Splitting groups(int n) {
        return new Splitting(0, n, SafetensorsCheckpoint.DEFAULT_SHARD_BYTES);
    }

    private GrowthDecision decision(String id, String run) {
        // One seed for all, so that every decision writes the same tensors.
        return Fixtures.decisionFor(
                id,
                run,
                "lemon",
                Map.of("width_factor", "1.5", "depth_factor", "2", "seed", "7"),
                source.toUri());
    }

    private static void assertPublished(CheckpointPublished r) {
        assertThat(r.getStatus())
                .as(String.valueOf(r.getError()))
                .isEqualTo(PublishStatus.PUBLISHED);
        assertThat(RecordValidator.validate(r)).isEmpty();
        assertThat(r.getVerification().getLossless()).isTrue();
        assertThat(r.getVerification().getPassed()).isTrue();
    }

    private static Path dir(CheckpointPublished r) {
        return Path.of(java.net.URI.create(r.getCheckpoint().getUri()));
    }

    private static Map<String, String> fileHashes(CheckpointPublished r) {
        return r.getFiles().stream()
                .collect(
                        Collectors.toMap(
                                FileEntry::getPath,
                                FileEntry::getSha256,
                                (a, b) -> a,
                                TreeMap::new));
    }

    @Test
    void splitResultHoldsTheSameTensorsAsTheOnePieceResult() throws Exception {
        CheckpointPublished whole =
                transformer("w", Splitting.ONE_PIECE)
                        .execute(decision("d-whole", "run-1"), p -> {});
        CheckpointPublished split =
                transformer("s", groups(3)).execute(decision("d-split", "run-2"), p -> {});

        assertPublished(whole);
        assertPublished(split);
        assertThat(fileHashes(whole).keySet()).containsExactly("config.json", "model.safetensors");
        assertThat(fileHashes(split).keySet())
                .containsExactly(
                        "config.json",
                        "model-00001-of-00003.safetensors",
                        "model-00002-of-00003.safetensors",
                        "model-00003-of-00003.safetensors",
                        "model.safetensors.index.json");
        assertThat(fileHashes(split).get("config.json"))
                .isEqualTo(fileHashes(whole).get("config.json"));
        assertThat(TensorDigests.of(dir(split))).isEqualTo(TensorDigests.of(dir(whole)));
        assertThat(split.getVerification().getMaxAbsDelta())
                .isEqualTo(whole.getVerification().getMaxAbsDelta());
        SafetensorsIndex index =
                SafetensorsIndex.read(dir(split).resolve(SafetensorsIndex.FILE_NAME));
        assertThat(index.weightMap().keySet()).isEqualTo(TensorDigests.of(dir(whole)).keySet());
        assertThat(split.getOperatorOptions()).containsEntry("tensor_groups", "3");
        for (String run : List.of("run-1", "run-2")) {
            assertThat(store.list(run)).hasSize(1);
            store.verify(store.list(run).get(0));
            assertThat(runEntries(run)).as("nothing but the checkpoint in %s", run).hasSize(1);
        }
    }

    @Test
    void groupsOnConcurrentWorkersInAnyOrderWriteTheSameFiles() throws Exception {
        CheckpointPublished sequential =
                transformer("a", groups(3)).execute(decision("d-seq", "run-1"), p -> {});

        GrowthDecision d = decision("d-par", "run-2");
        StoreTransformer planner = transformer("p", groups(3));
        DecisionExecutor.Prepared prepared = planner.prepare(d, p -> {}, 2);
        assertThat(prepared.groups()).isEqualTo(3);
        StoreTransformer w1 = transformer("w1", groups(3));
        StoreTransformer w2 = transformer("w2", groups(3));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<DecisionExecutor.GroupOutcome> g2 =
                    pool.submit(() -> w1.writeGroup(d, 2, 3, p -> {}));
            Future<DecisionExecutor.GroupOutcome> g0 =
                    pool.submit(() -> w2.writeGroup(d, 0, 3, p -> {}));
            Future<DecisionExecutor.GroupOutcome> g1 =
                    pool.submit(() -> w1.writeGroup(d, 1, 3, p -> {}));
            List<FileEntry> shards = List.of(g0.get().shard(), g1.get().shard(), g2.get().shard());
            CheckpointPublished parallel = transformer("c", groups(3)).commit(d, shards, p -> {});

            assertPublished(parallel);
            Map<String, String> a = fileHashes(sequential);
            Map<String, String> b = fileHashes(parallel);
            assertThat(b).isEqualTo(a);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aShardStagedBeforeACrashIsKeptAndTheDecisionPublishedOnce() throws Exception {
        GrowthDecision d = decision("d-crash", "run-1");
        StoreTransformer first = transformer("first", groups(2));
        assertThat(first.prepare(d, p -> {}, 2).groups()).isEqualTo(2);
        FileEntry shard0 = first.writeGroup(d, 0, 2, p -> {}).shard();
        Path staged =
                Path.of(store.decisionStaging("run-1", 1, "d-crash").toUri().getPath())
                        .resolve(shard0.getPath());
        var writtenAt = Files.getLastModifiedTime(staged);
        // The worker dies here; its replacement runs the decision's groups again.

        StoreTransformer second = transformer("second", groups(2));
        List<String> messages = new ArrayList<>();
        DecisionExecutor.GroupOutcome again =
                second.writeGroup(d, 0, 2, p -> messages.add(p.getMessage()));
        assertThat(again.shard()).isEqualTo(shard0);
        assertThat(Files.getLastModifiedTime(staged)).isEqualTo(writtenAt);
        assertThat(messages).anyMatch(m -> m.contains("staged by an earlier attempt; kept"));
        FileEntry shard1 = second.writeGroup(d, 1, 2, p -> {}).shard();
        CheckpointPublished published = second.commit(d, List.of(shard0, shard1), p -> {});
        assertPublished(published);

        // Committed again (the outcome was lost in a crash): the same checkpoint, not a copy.
        CheckpointPublished replay = first.commit(d, List.of(shard0, shard1), p -> {});
        assertThat(replay.getCheckpoint()).isEqualTo(published.getCheckpoint());
        // A group run after the commit finds the published checkpoint and stages nothing.
        assertThat(first.writeGroup(d, 1, 2, p -> {}).outcome().getStatus())
                .isEqualTo(PublishStatus.PUBLISHED);
        assertThat(store.list("run-1")).hasSize(1);
        assertThat(runEntries("run-1")).hasSize(1);
    }

    @Test
    void shardsOfAnEarlierSplitAreNotPublished() throws Exception {
        GrowthDecision d = decision("d-resplit", "run-1");
        // An attempt split in 3 staged one shard, then the job came back with 2 workers.
        transformer("old", groups(3)).writeGroup(d, 0, 3, p -> {});
        CheckpointPublished r = transformer("new", groups(2)).execute(d, p -> {});

        assertPublished(r);
        assertThat(fileHashes(r).keySet())
                .containsExactly(
                        "config.json",
                        "model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors",
                        "model.safetensors.index.json");
        PublishedCheckpoint inStore = store.list("run-1").get(0);
        store.verify(inStore);
    }

    @Test
    void aFailedGroupLeavesNothingStaged() throws Exception {
        GrowthDecision d = decision("d-fail", "run-1");
        StoreTransformer t = transformer("t", groups(2));
        t.writeGroup(d, 0, 2, p -> {});
        // Group 1 finds the source gone.
        Files.delete(source.resolve("config.json"));
        DecisionExecutor.GroupOutcome failed =
                transformer("u", groups(2)).writeGroup(d, 1, 2, p -> {});
        assertThat(failed.outcome().getStatus()).isEqualTo(PublishStatus.FAILED);
        assertThat(failed.outcome().getError().getCode()).isEqualTo("SOURCE_MISSING");

        CheckpointPublished outcome = t.abandon(d, failed.outcome());
        assertThat(outcome).isEqualTo(failed.outcome());
        assertThat(runEntries("run-1")).isEmpty();
    }

    private List<Path> runEntries(String run) throws IOException {
        Path dir = tmp.resolve("store").resolve(run);
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
