package dev.graft.cli;

import dev.graft.connectors.LocalFiles;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.connectors.transform.DecisionExecutor;
import dev.graft.connectors.transform.ProgressListener;
import dev.graft.connectors.transform.Splitting;
import dev.graft.connectors.transform.StoreTransformer;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.schema.Action;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.CheckpointRef;
import dev.graft.schema.DecisionStatus;
import dev.graft.schema.Evidence;
import dev.graft.schema.FileEntry;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.PublishStatus;
import dev.graft.schema.Trigger;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * {@code graft bench transform}: carries out one growth decision on a generated GPT-2-shaped F32
 * checkpoint the way the TransformJob does (plan, write the tensor groups, commit once into a
 * checkpoint store), with 1 and with 2 parallel workers in the same run, and prints the rates and
 * their ratio.
 */
@Command(
        name = "transform",
        mixinStandardHelpOptions = true,
        description = {
            "A transform (plan ▸ tensor groups ▸ commit into a store) with 1 and 2 parallel workers"
                    + " on the same checkpoint, in the same run: seconds, MB/s, ratio.",
            "Each worker is a StoreTransformer of its own, as each TransformJob subtask has; with p"
                    + " workers the result is written in p tensor groups (p = 1: one piece)."
        })
final class BenchTransform implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--hidden", defaultValue = "1024", description = "Source n_embd.")
    int hidden;

    @Option(names = "--layers", defaultValue = "20", description = "Source n_layer.")
    int layers;

    @Option(names = "--heads", defaultValue = "16", description = "Source n_head.")
    int heads;

    @Option(names = "--vocab", defaultValue = "32000", description = "Vocabulary size.")
    int vocab;

    @Option(
            names = "--op",
            defaultValue = "lemon",
            description = "Operator: lemon, hyperclone, identity-depth, ….")
    String operator;

    @Option(
            names = "--width-factor",
            defaultValue = "1.5",
            description = "The decision's width_factor (1 for none).")
    String widthFactor;

    @Option(
            names = "--depth-factor",
            defaultValue = "1",
            description = "The decision's depth_factor (1 for none).")
    String depthFactor;

    @Option(
            names = "--parallelism",
            split = ",",
            defaultValue = "1,2",
            description = "Worker counts to compare, in order.")
    List<Integer> parallelism;

    @Option(names = "--repeat", defaultValue = "2", description = "Runs each; the best is kept.")
    int repeat;

    @Option(
            names = "--probes",
            defaultValue = "0",
            description =
                    "Probe sequences the commit verifies with (8 tokens each); 0 skips the"
                            + " forward-pass check, which runs once in the committer either way.")
    int probes;

    @Option(names = "--dir", description = "Working directory (default: temporary, deleted).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        BenchCommand.inWorkDir(dir, "graft-bench-transform", work -> run(work, out));
        return 0;
    }

    /** One measured transform: seconds per step and the bytes published. */
    private record Timing(int groups, double plan, double write, double commit, long bytes) {
        double total() {
            return plan + write + commit;
        }
    }

    private void run(Path work, PrintWriter out) throws Exception {
        ArchSpec arch = BenchGrow.gpt2(vocab, hidden, layers, heads);
        Path source = BenchGrow.writeSource(work.resolve("source"), arch);
        long sourceBytes = size(source);
        out.printf(
                "bench transform: gpt2 n_embd=%d n_layer=%d vocab=%d, F32 source %,d bytes; %s"
                        + " width×%s depth×%s, verification %s, best of %d; %d CPUs%n",
                hidden,
                layers,
                vocab,
                sourceBytes,
                operator,
                widthFactor,
                depthFactor,
                probes == 0 ? "off" : probes + "×8 tokens",
                repeat,
                Runtime.getRuntime().availableProcessors());
        out.flush();
        Map<Integer, Timing> best = new LinkedHashMap<>();
        for (int p : parallelism) {
            for (int i = 0; i < Math.max(1, repeat); i++) {
                Timing t = once(work, source, p, i);
                if (!best.containsKey(p) || t.total() < best.get(p).total()) {
                    best.put(p, t);
                }
            }
            Timing t = best.get(p);
            out.printf(
                    "  parallelism %d, %d group(s): %6.2f s %8.1f MB/s  (plan %.2f s, groups %.2f"
                            + " s, commit %.2f s; %,d bytes published)%n",
                    p,
                    t.groups(),
                    t.total(),
                    t.bytes() / 1e6 / t.total(),
                    t.plan(),
                    t.write(),
                    t.commit(),
                    t.bytes());
            out.flush();
        }
        Timing first = best.get(parallelism.get(0));
        for (int p : parallelism.subList(1, parallelism.size())) {
            Timing t = best.get(p);
            out.printf(
                    "  parallelism %d vs %d: %.2f× the rate (whole transform), %.2f× (writing"
                            + " the groups)%n",
                    p, parallelism.get(0), first.total() / t.total(), first.write() / t.write());
        }
        out.printf(
                "  heap: peak %.0f MB used of %.0f MB max%n",
                BenchCommand.peakHeapBytes() / 1e6, Runtime.getRuntime().maxMemory() / 1e6);
        out.flush();
    }

    private Timing once(Path work, Path source, int p, int attempt) throws Exception {
        Path root = work.resolve("store-p" + p + "-" + attempt);
        CheckpointStore store = CheckpointStore.open(root.toUri());
        Splitting splitting =
                new Splitting(
                        p == 1 ? Long.MAX_VALUE : 0, p, SafetensorsCheckpoint.DEFAULT_SHARD_BYTES);
        List<StoreTransformer> workers = new ArrayList<>();
        for (int w = 0; w < p; w++) {
            workers.add(
                    new StoreTransformer(
                            store,
                            Files.createDirectories(root.resolve("work-" + w)),
                            new DecisionExecutor.Worker("bench[" + w + "]", -1),
                            Clock.systemUTC(),
                            probes,
                            8,
                            splitting));
        }
        GrowthDecision decision = decision(source, "bench-p" + p + "-" + attempt);
        ExecutorService pool = Executors.newFixedThreadPool(p);
        try {
            long t0 = System.nanoTime();
            DecisionExecutor.Prepared prepared =
                    workers.get(0).prepare(decision, ProgressListener.NONE, p);
            check(prepared.outcome(), prepared.isFinished());
            long t1 = System.nanoTime();
            List<Future<DecisionExecutor.GroupOutcome>> groups = new ArrayList<>();
            for (int g = 0; g < prepared.groups(); g++) {
                StoreTransformer w = workers.get(g % p);
                int group = g;
                groups.add(
                        pool.submit(
                                () ->
                                        w.writeGroup(
                                                decision,
                                                group,
                                                prepared.groups(),
                                                ProgressListener.NONE)));
            }
            List<FileEntry> shards = new ArrayList<>();
            for (Future<DecisionExecutor.GroupOutcome> f : groups) {
                DecisionExecutor.GroupOutcome o = f.get();
                check(o.outcome(), o.isFinished());
                shards.add(o.shard());
            }
            long t2 = System.nanoTime();
            CheckpointPublished published =
                    workers.get(0).commit(decision, shards, ProgressListener.NONE);
            long t3 = System.nanoTime();
            check(published, published.getStatus() != PublishStatus.PUBLISHED);
            return new Timing(
                    prepared.groups(),
                    (t1 - t0) / 1e9,
                    (t2 - t1) / 1e9,
                    (t3 - t2) / 1e9,
                    published.getTotalBytes());
        } finally {
            pool.shutdownNow();
            LocalFiles.deleteTree(root);
        }
    }

    private static void check(CheckpointPublished outcome, boolean failed) {
        if (failed) {
            throw new IllegalStateException(
                    "the benchmark's transform did not publish: "
                            + (outcome == null ? "no outcome" : outcome.getError()));
        }
    }

    private GrowthDecision decision(Path source, String id) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("width_factor", widthFactor);
        options.put("depth_factor", depthFactor);
        options.put("seed", "1");
        return GrowthDecision.newBuilder()
                .setDecisionId(id)
                .setRunId("bench")
                .setGeneration(0)
                .setStep(0)
                .setWallTimeMs(0)
                .setTrigger(Trigger.COMMAND)
                .setEvidence(Evidence.newBuilder().setRule("graft bench transform").build())
                .setAction(Action.GROW)
                .setStatus(DecisionStatus.READY)
                .setOperator(operator)
                .setOperatorOptions(options)
                .setSourceCheckpoint(
                        CheckpointRef.newBuilder()
                                .setUri(source.toUri().toString())
                                .setGeneration(0)
                                .setStep(0)
                                .setSha256(null)
                                .build())
                .build();
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long n = 0;
            for (Path f : files.toList()) {
                n += Files.size(f);
            }
            return n;
        }
    }
}
