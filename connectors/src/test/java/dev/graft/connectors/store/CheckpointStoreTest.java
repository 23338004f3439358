package dev.graft.connectors.store;

import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.connectors.hf.HfConfig;
import dev.graft.connectors.hf.TinyCheckpoints;
import dev.graft.growth.tensor.DType;
import dev.graft.schema.CheckpointRef;
import dev.graft.schema.Verification;

import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointStoreTest {

    @TempDir java.nio.file.Path tmp;
    java.nio.file.Path local;
    java.nio.file.Path rootDir;
    CheckpointStore store;

    @BeforeEach
    void setUp() throws IOException {
        local =
                TinyCheckpoints.write(
                        tmp.resolve("local"), TinyCheckpoints.gpt2Config(), DType.F32, 4_000);
        rootDir = Files.createDirectories(tmp.resolve("store"));
        store =
                new CheckpointStore(
                        FileSystem.getLocalFileSystem(),
                        new Path(rootDir.toUri()),
                        Clock.fixed(Instant.parse("2025-01-02T03:04:05Z"), ZoneOffset.UTC));
    }

    PublishRequest request(String decision) throws IOException {
        CheckpointRef parent =
                CheckpointRef.newBuilder()
                        .setUri("file:///parent")
                        .setGeneration(0)
                        .setStep(10)
                        .build();
        Verification verification =
                Verification.newBuilder()
                        .setMethod("logits")
                        .setProbeSequences(4)
                        .setProbeTokens(16)
                        .setMaxAbsDelta(1e-6)
                        .setLogitScale(10)
                        .setRelativeDelta(1e-7)
                        .setTolerance(1e-4)
                        .setLossless(true)
                        .setPassed(true)
                        .build();
        return new PublishRequest(
                "run-1",
                1,
                10,
                decision,
                parent,
                "lemon",
                Map.of("width_factor", "2"),
                verification,
                ArchSpecs.toAvro(HfConfig.read(local.resolve("config.json"))));
    }

    @Test
    void publishesAnImmutableDirectoryWithAManifest() throws IOException {
        PublishedCheckpoint p = store.publish(request("d1"), local);
        assertThat(p.name()).matches("1-[0-9a-f]{12}");
        Manifest m = p.manifest();
        assertThat(m.formatVersion()).isEqualTo(1);
        assertThat(m.files())
                .extracting(f -> f.getPath())
                .contains(
                        "config.json",
                        "model.safetensors.index.json",
                        "model-00001-of-00003.safetensors");
        assertThat(m.parent().getUri()).isEqualTo("file:///parent");
        assertThat(m.verification().getTolerance()).isEqualTo(1e-4);
        assertThat(m.arch().getFamily()).isEqualTo("gpt2");
        assertThat(m.createdAtMs()).isEqualTo(Instant.parse("2025-01-02T03:04:05Z").toEpochMilli());
        assertThat(m.graftVersion()).isNotBlank();
        store.verify(p);
        String json =
                Files.readString(java.nio.file.Path.of(p.dir().toUri()).resolve("graft.json"));
        assertThat(json)
                .contains(
                        "\"format_version\" : 1",
                        "\"created_at\" : \"2025-01-02T03:04:05Z\"",
                        "\"tolerance\" : 1.0E-4");
        CheckpointRef ref = p.toRef();
        assertThat(ref.getUri()).startsWith("file:").endsWith(p.name());
        assertThat(ref.getSha256()).hasSize(64);
        assertThat(store.list("run-1")).containsExactly(p);
        assertThat(store.localDir(p, tmp.resolve("cache")))
                .isEqualTo(java.nio.file.Path.of(p.dir().toUri()));
    }

    @Test
    void aDecisionsCommittedResultIsFoundAgain() throws IOException {
        PublishRequest request = request("d1");
        assertThat(store.findPublished("run-1", request.generation(), "d1")).isEmpty();
        PublishedCheckpoint first = store.publish(request, local);
        assertThat(store.findPublished("run-1", request.generation(), "d1")).contains(first);
        assertThat(store.findPublished("run-1", request.generation(), "d2")).isEmpty();
        assertThat(store.findPublished("run-2", request.generation(), "d1")).isEmpty();
    }

    @Test
    void publishingTheSameDecisionTwiceIsIdempotent() throws IOException {
        PublishedCheckpoint first = store.publish(request("d1"), local);
        PublishedCheckpoint again = store.publish(request("d1"), local);
        assertThat(again).isEqualTo(first);
        PublishedCheckpoint other = store.publish(request("d2"), local);
        assertThat(other.name()).isNotEqualTo(first.name());
        assertThat(store.list("run-1")).hasSize(2);
        PublishedCheckpoint imported =
                store.publish(PublishRequest.imported("run-1", 0, 5, null), local);
        assertThat(store.publish(PublishRequest.imported("run-1", 0, 5, null), local))
                .isEqualTo(imported);
        assertThat(store.latest("run-1")).isPresent();
        assertThat(store.list("run-1").get(0)).isEqualTo(imported);
    }

    @Test
    void directoriesWithoutAValidManifestAreNeverServed() throws IOException {
        PublishedCheckpoint p = store.publish(request("d1"), local);
        java.nio.file.Path dir = java.nio.file.Path.of(p.dir().toUri());
        java.nio.file.Path manifest = dir.resolve("graft.json");
        String good = Files.readString(manifest);

        Files.writeString(
                manifest, good.replace("\"format_version\" : 1", "\"format_version\" : 2"));
        assertThatThrownBy(() -> store.load(p.dir()))
                .hasMessageContaining(
                        "format_version 2; this Graft reads version 1. Upgrade Graft");
        assertThat(store.list("run-1")).isEmpty();

        Files.writeString(
                manifest,
                good.replace("\"path\" : \"config.json\"", "\"path\" : \"../config.json\""));
        assertThatThrownBy(() -> store.load(p.dir()))
                .hasMessageContaining("'../config.json', which is not a plain relative path");

        Files.writeString(manifest, "{");
        assertThatThrownBy(() -> store.load(p.dir())).hasMessageContaining("not well-formed JSON");

        Files.writeString(manifest, good);
        Files.writeString(dir.resolve("stray.txt"), "x");
        assertThatThrownBy(() -> store.load(p.dir()))
                .hasMessageContaining("does not list stray.txt");
        Files.delete(dir.resolve("stray.txt"));

        byte[] config = Files.readAllBytes(dir.resolve("config.json"));
        config[3] ^= 1;
        Files.write(dir.resolve("config.json"), config);
        assertThatThrownBy(() -> store.verify(store.load(p.dir())))
                .hasMessageContaining("lists 'config.json' with sha256");

        Files.delete(manifest);
        assertThat(store.list("run-1")).isEmpty();
        // The same decision published again replaces the broken directory.
        assertThat(store.publish(request("d1"), local).name()).isEqualTo(p.name());
        assertThat(store.list("run-1")).hasSize(1);
    }

    @Test
    void refusesInvalidCheckpointsAndRunIds() throws IOException {
        Files.writeString(
                local.resolve("config.json"),
                TinyCheckpoints.gpt2Config().replace("\"n_layer\": 2", "\"n_layer\": 3"));
        assertThatThrownBy(() -> store.publish(request("d1"), local))
                .hasMessageContaining("missing tensor(s)");
        assertThatThrownBy(
                        () ->
                                new PublishRequest(
                                        "../x", 0, 0, null, null, "import", Map.of(), null, null))
                .hasMessageContaining("run id '../x' is not usable as a directory name");
        assertThat(store.list("run-1")).isEmpty();
    }

    /** Interrupts the writer at random byte offsets (and before the rename): nothing is visible. */
    @Test
    void aWriterDyingAtAnyOffsetLeavesNoVisibleCheckpoint() throws IOException {
        long total;
        try (Stream<java.nio.file.Path> files = Files.walk(local)) {
            total = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        SplittableRandom random = new SplittableRandom(2024);
        Path root = new Path(rootDir.toUri());
        for (int i = 0; i < 40; i++) {
            long offset =
                    i == 0 ? 0 : random.nextLong(total + 2_000); // past the data: the manifest
            boolean failRename = offset > total + 1_500 || i % 10 == 9;
            CheckpointStore dying =
                    new CheckpointStore(
                            new FaultyFileSystem(offset, failRename), root, Clock.systemUTC());
            assertThatThrownBy(() -> dying.publish(request("d" + offset), local))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("injected fault");
            assertThat(store.list("run-1")).as("after a fault at byte %d", offset).isEmpty();
        }
        assertThat(store.removeStaging("run-1")).isPositive();
        PublishedCheckpoint p = store.publish(request("d1"), local);
        assertThat(store.list("run-1")).containsExactly(p);
    }

    /** Kills a real writer process (SIGKILL) at random times: every visible checkpoint is whole. */
    @Test
    void killingTheWriterProcessLeavesOnlyCompleteCheckpoints() throws Exception {
        // Large enough (~2 MB) that kills land mid-copy.
        java.nio.file.Path big =
                TinyCheckpoints.write(
                        tmp.resolve("big"),
                        TinyCheckpoints.gpt2Config()
                                .replace("\"vocab_size\": 32", "\"vocab_size\": 60000"),
                        DType.F32,
                        500_000);
        SplittableRandom random = new SplittableRandom(99);
        String javaBin =
                java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int kill = 0; kill < 3; kill++) {
            Process child =
                    new ProcessBuilder(
                                    javaBin,
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    PublishLoop.class.getName(),
                                    rootDir.toUri().toString(),
                                    big.toString())
                            .redirectErrorStream(true)
                            .redirectOutput(tmp.resolve("child-" + kill + ".log").toFile())
                            .start();
            // The first writer is killed after its first complete publish (so there is always
            // something to check, however loaded the machine), the others anywhere after start.
            String awaited = kill == 0 ? "published" : "ready";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(tmp.resolve("child-" + kill + ".log"), StandardCharsets.UTF_8)
                            .contains(awaited)
                    && System.nanoTime() < deadline
                    && child.isAlive()) {
                Thread.sleep(20);
            }
            Thread.sleep(200 + random.nextInt(800));
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            for (PublishedCheckpoint p : store.list("killed")) {
                store.verify(p);
            }
        }
        List<PublishedCheckpoint> published = store.list("killed");
        assertThat(published)
                .as(
                        "the writer published something before it died; its log: %s",
                        Files.readString(tmp.resolve("child-0.log")))
                .isNotEmpty();
        for (PublishedCheckpoint p : published) {
            store.verify(p);
        }
    }
}
