package dev.graft.cli;

import dev.graft.connectors.broker.EmbeddedKafka;
import dev.graft.connectors.serde.Decoded;
import dev.graft.connectors.serde.TopicCodec;
import dev.graft.connectors.topics.TopicAdmin;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.growth.detect.DetectionMode;
import dev.graft.growth.detect.MetricPoint;
import dev.graft.growth.detect.ReorderBuffer;
import dev.graft.growth.detect.RunDetection;
import dev.graft.growth.detect.RunDetector;
import dev.graft.growth.detect.RunDetectorState;
import dev.graft.growth.detect.StepSequencer;
import dev.graft.jobs.GraftOptions;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.GraftTopology;
import dev.graft.jobs.trigger.RunEvent;
import dev.graft.jobs.trigger.RunTrigger;
import dev.graft.jobs.trigger.TriggerJob;
import dev.graft.schema.BudgetChange;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code graft bench trigger}: the detector alone (updates/s on one thread), the TriggerJob through
 * an in-process broker beside the same pipeline with the per-run function replaced by a
 * pass-through (metrics/s, in the same run), and decision latency from a metric's produce time to
 * its committed decision (p50/p99).
 */
@Command(
        name = "trigger",
        mixinStandardHelpOptions = true,
        description = {
            "Detector updates/s, TriggerJob metrics/s beside a pass-through, decision latency."
        })
final class TriggerBench implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--runs", defaultValue = "10000", description = "Concurrent runs.")
    int runs;

    @Option(names = "--steps", defaultValue = "300", description = "Metrics per run (job phase).")
    int steps;

    @Option(
            names = "--updates",
            defaultValue = "5000000",
            description = "Detector updates per mode (detector phase).")
    long updates;

    @Option(names = "--parallelism", defaultValue = "2", description = "Job parallelism.")
    int parallelism;

    @Option(
            names = "--repeat",
            defaultValue = "5",
            description = "Job rounds (each: pass, trigger).")
    int repeat;

    @Option(
            names = "--latency-seconds",
            defaultValue = "40",
            description = "Length of the latency phase (0 skips it).")
    int latencySeconds;

    @Option(
            names = "--latency-rate",
            defaultValue = "10000",
            description =
                    "Metrics/s produced in the latency phase (each run plateaus at its 16th"
                            + " metric, so runs x 16 / rate seconds in).")
    int latencyRate;

    @Option(
            names = "--reorder-max-records",
            defaultValue = "16",
            description = "graft.trigger.reorder.max-records in the job phases.")
    int reorderMaxRecords;

    @Option(
            names = "--checkpoint-interval-ms",
            defaultValue = "5000",
            description = "graft.checkpoint.interval in the throughput phase (Graft's default).")
    long checkpointIntervalMs;

    @Option(
            names = "--latency-checkpoint-interval-ms",
            defaultValue = "1000",
            description = "graft.checkpoint.interval in the latency phase.")
    long latencyCheckpointIntervalMs;

    @Option(names = "--skip-job", description = "Only the detector phase.")
    boolean skipJob;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "bench trigger: %d runs, %d cores, Java %s%n",
                runs,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        for (DetectionMode mode : DetectionMode.values()) {
            detector(mode);
        }
        if (!skipJob) {
            job();
        }
        out.flush();
        return 0;
    }

    // --- the detector alone --------------------------------------------------------------------

    private void detector(DetectionMode mode) {
        GraftSettings settings = settings(Map.of(GraftOptions.TRIGGER_MODE.key(), mode.key()));
        RunDetector detector = new RunDetector(settings.detection());
        StepSequencer sequencer = new StepSequencer(reorderMaxRecords, 2_000);
        RunDetectorState[] states = new RunDetectorState[runs];
        ReorderBuffer[] sequences = new ReorderBuffer[runs];
        List<MetricPoint> released = new ArrayList<>();
        long[] stepOf = new long[runs];
        for (int i = 0; i < runs; i++) {
            states[i] = detector.initialState();
            sequences[i] = sequencer.newBuffer();
        }
        long fired = 0;
        double best = 0;
        for (int round = 0; round < 3; round++) { // round 0 warms the JIT
            long start = System.nanoTime();
            for (long u = 0; u < updates; u++) {
                int r = (int) (u % runs);
                long step = ++stepOf[r];
                double loss = 2.0 / Math.sqrt(step) + 0.01 * ((step * 7919) % 13) / 13.0;
                released.clear();
                sequencer.offer(sequences[r], step, step, loss, 0, released);
                for (MetricPoint p : released) {
                    RunDetection d =
                            detector.evaluate(states[r], p.step(), p.wallTimeMillis(), p.value());
                    states[r] = d.state();
                    if (d.growth().isPresent()) {
                        fired++;
                    }
                }
            }
            double rate = updates / ((System.nanoTime() - start) / 1e9);
            if (round > 0) {
                best = Math.max(best, rate);
            }
        }
        out.printf(
                Locale.ROOT,
                "  detector %-6s (reorder %2d + %s, divergence on)   %,12.0f updates/s on one thread (%d firings)%n",
                mode.key(),
                reorderMaxRecords,
                mode == DetectionMode.TREND ? "trend " : "plateau",
                best,
                fired);
        out.flush();
    }

    // --- the job through the broker ------------------------------------------------------------

    /** Counts the records a per-run function sees, then hands them on (or not). */
    static final class Counting
            extends KeyedBroadcastProcessFunction<String, RunEvent, BudgetChange, GrowthDecision> {
        private static final long serialVersionUID = 1L;
        static final Map<String, AtomicLong> SEEN = new ConcurrentHashMap<>();
        static final Map<String, AtomicLong> FIRST_NANOS = new ConcurrentHashMap<>();
        static final Map<String, AtomicLong> FIRST_CPU_NANOS = new ConcurrentHashMap<>();
        private final String id;
        private final RunTrigger delegate; // null: pass-through
        private transient ValueState<Long> lastStep;
        private transient AtomicLong seen;

        Counting(String id, RunTrigger delegate) {
            this.id = id;
            this.delegate = delegate;
        }

        @Override
        public void setRuntimeContext(RuntimeContext t) {
            super.setRuntimeContext(t);
            if (delegate != null) {
                delegate.setRuntimeContext(t);
            }
        }

        @Override
        public void open(OpenContext openContext) throws Exception {
            if (delegate != null) {
                delegate.open(openContext);
            } else {
                lastStep =
                        getRuntimeContext()
                                .getState(new ValueStateDescriptor<>("last-step", Types.LONG));
            }
        }

        @Override
        public void processElement(
                RunEvent event, ReadOnlyContext ctx, Collector<GrowthDecision> out)
                throws Exception {
            if (delegate != null) {
                delegate.processElement(event, ctx, out);
            } else if (event.metric != null) {
                // The baseline: keyed state read and written per record, nothing decided.
                Long last = lastStep.value();
                long step = event.metric.value().getStep();
                if (last == null || step > last) {
                    lastStep.update(step);
                }
            }
            if (seen == null) { // this subtask's first record
                FIRST_CPU_NANOS.computeIfAbsent(id, k -> new AtomicLong(processCpuNanos()));
                FIRST_NANOS.computeIfAbsent(id, k -> new AtomicLong(System.nanoTime()));
                seen = SEEN.computeIfAbsent(id, k -> new AtomicLong());
            }
            seen.incrementAndGet();
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<GrowthDecision> out)
                throws Exception {
            if (delegate != null) {
                delegate.onTimer(timestamp, ctx, out);
            }
        }

        @Override
        public void processBroadcastElement(
                BudgetChange value, Context ctx, Collector<GrowthDecision> out) throws Exception {
            if (delegate != null) {
                delegate.processBroadcastElement(value, ctx, out);
            }
        }
    }

    private GraftSettings settings(Map<String, String> extra) {
        return settings(extra, checkpointIntervalMs);
    }

    private GraftSettings settings(Map<String, String> extra, long intervalMs) {
        Configuration conf = new Configuration();
        conf.set(GraftOptions.TRIGGER_REORDER_MAX_RECORDS, reorderMaxRecords);
        conf.set(GraftOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(intervalMs));
        conf.set(GraftOptions.TRIGGER_CHECKPOINT_WAIT, Duration.ZERO);
        conf.set(GraftOptions.TRIGGER_PLATEAU_PATIENCE, 5);
        extra.forEach(conf::setString);
        return GraftSettings.from(conf);
    }

    private void job() throws Exception {
        TopicCatalog topics = TopicCatalog.load();
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
            TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics, 1, Duration.ofSeconds(30));
            String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 6);
            long t0 = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
                TopicCodec<TrainingMetric> codec =
                        TopicCodec.of("graft.metrics", TrainingMetric.class);
                for (int step = 1; step <= steps; step++) {
                    for (int r = 0; r < runs; r++) {
                        String run = prefix + "-" + r;
                        producer.send(
                                new ProducerRecord<>(
                                        "graft.metrics",
                                        run.getBytes(StandardCharsets.UTF_8),
                                        codec.encode(
                                                metric(
                                                        run,
                                                        step,
                                                        System.currentTimeMillis(),
                                                        false))));
                    }
                }
                producer.flush();
            }
            long total = endOffsets(kafka, "graft.metrics");
            out.printf(
                    Locale.ROOT,
                    "  produced %,d metrics of %,d runs into graft.metrics (6 partitions) in %.1f s%n",
                    total,
                    runs,
                    (System.nanoTime() - t0) / 1e9);
            out.flush();
            GraftSettings settings =
                    settings(
                            Map.of(
                                    GraftOptions.KAFKA_BOOTSTRAP_SERVERS.key(),
                                    kafka.bootstrapServers()));
            List<Double> rateRatios = new ArrayList<>();
            List<Double> cpuRatios = new ArrayList<>();
            for (int round = 0; round < repeat; round++) {
                // Which variant runs first alternates: neither always gets the warmer JIT.
                boolean passFirst = round % 2 == 0;
                Rate pass = null;
                Rate trig = null;
                for (int i = 0; i < 2; i++) {
                    if ((i == 0) == passFirst) {
                        pass = consumeAll(kafka, topics, settings, "pass-" + round, false, total);
                    } else {
                        trig = consumeAll(kafka, topics, settings, "trigger-" + round, true, total);
                    }
                }
                out.printf(
                        Locale.ROOT,
                        "  job round %d, parallelism %d, checkpoint every %d ms: pass-through"
                                + " %,10.0f metrics/s (%.2f us CPU/metric), trigger %,10.0f"
                                + " metrics/s (%.2f us CPU/metric)  (%.2fx, CPU %.2fx; %s first)%n",
                        round + 1,
                        parallelism,
                        checkpointIntervalMs,
                        pass.perSecond(),
                        pass.cpuMicrosPerMetric(),
                        trig.perSecond(),
                        trig.cpuMicrosPerMetric(),
                        trig.perSecond() / pass.perSecond(),
                        pass.cpuMicrosPerMetric() / trig.cpuMicrosPerMetric(),
                        passFirst ? "pass-through" : "trigger");
                out.flush();
                if (round > 0) {
                    rateRatios.add(trig.perSecond() / pass.perSecond());
                    cpuRatios.add(pass.cpuMicrosPerMetric() / trig.cpuMicrosPerMetric());
                }
            }
            if (!rateRatios.isEmpty()) {
                out.printf(
                        Locale.ROOT,
                        "  job warm rounds (2..%d): trigger / pass-through median %.2fx (range"
                                + " %.2f-%.2fx); CPU per metric, pass-through / trigger, median"
                                + " %.2fx (range %.2f-%.2fx)%n",
                        repeat,
                        median(rateRatios),
                        Collections.min(rateRatios),
                        Collections.max(rateRatios),
                        median(cpuRatios),
                        Collections.min(cpuRatios),
                        Collections.max(cpuRatios));
            }
            if (latencySeconds > 0) {
                latency(
                        kafka,
                        topics,
                        settings(
                                Map.of(
                                        GraftOptions.KAFKA_BOOTSTRAP_SERVERS.key(),
                                        kafka.bootstrapServers()),
                                latencyCheckpointIntervalMs));
            }
        }
    }

    private StreamExecutionEnvironment env() {
        Configuration conf = new Configuration();
        conf.setString("taskmanager.numberOfTaskSlots", String.valueOf(parallelism));
        // 10k runs' state exceeds the JobManager's 5 MB in-memory checkpoint limit: checkpoint to
        // files, as a cluster does.
        try {
            conf.set(
                    org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                    java.nio.file.Files.createTempDirectory("graft-bench-checkpoints")
                            .toUri()
                            .toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        return env;
    }

    private TriggerJob job(
            GraftSettings settings, TopicCatalog topics, String id, boolean trigger) {
        GraftTopology topology = new GraftTopology(settings, topics);
        TriggerJob job =
                new TriggerJob(
                        new TriggerJob.Sources(
                                topology.source(TrainingMetric.class, id),
                                topology.source(dev.graft.schema.CheckpointSaved.class, id),
                                topology.source(dev.graft.schema.GrowthCommand.class, id),
                                topology.source(BudgetChange.class, id)),
                        topology.sink(GrowthDecision.class, id + "-decisions"),
                        topology.sink(dev.graft.schema.DeadLetter.class, id + "-dlq"),
                        settings,
                        "bench");
        return job.withRunFunction(
                new Counting(id, trigger ? new RunTrigger(settings, "bench") : null));
    }

    /**
     * One variant's figures: metrics/s from the first to the last metric the per-run function saw,
     * and the whole process's CPU time over the same span per metric (every thread: sources,
     * operators, the in-process broker, GC, JIT), which other processes on the machine barely move.
     */
    record Rate(double perSecond, double cpuMicrosPerMetric) {}

    private static double median(List<Double> xs) {
        List<Double> sorted = new ArrayList<>(xs);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** The process's CPU time so far (all threads), in nanoseconds. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Runs one variant from the earliest offsets until it has seen every metric. */
    private Rate consumeAll(
            EmbeddedKafka kafka,
            TopicCatalog topics,
            GraftSettings settings,
            String variant,
            boolean trigger,
            long total)
            throws Exception {
        String id = "bench-" + variant + "-" + UUID.randomUUID().toString().substring(0, 6);
        StreamExecutionEnvironment env = env();
        new GraftTopology(settings, topics).configure(env);
        job(settings, topics, id, trigger).build(env);
        JobClient client = env.executeAsync(id);
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (System.nanoTime() < deadline) {
                AtomicLong seen = Counting.SEEN.get(id);
                if (seen != null && seen.get() >= total) {
                    long elapsed = System.nanoTime() - Counting.FIRST_NANOS.get(id).get();
                    long cpu = processCpuNanos() - Counting.FIRST_CPU_NANOS.get(id).get();
                    return new Rate(total / (elapsed / 1e9), cpu / 1e3 / total);
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException(variant + " did not see all " + total + " metrics");
        } finally {
            client.cancel().get();
        }
    }

    /**
     * Live: metrics produced at a steady rate, every run plateauing; produce → committed decision.
     */
    private void latency(EmbeddedKafka kafka, TopicCatalog topics, GraftSettings settings)
            throws Exception {
        String id = "bench-latency-" + UUID.randomUUID().toString().substring(0, 6);
        String prefix = "lat-" + UUID.randomUUID().toString().substring(0, 6);
        StreamExecutionEnvironment env = env();
        new GraftTopology(settings, topics).configure(env);
        job(settings, topics, id, true).build(env);
        JobClient client = env.executeAsync(id);
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        try (KafkaProducer<byte[], byte[]> producer = producer(kafka);
                KafkaConsumer<byte[], byte[]> consumer = readCommittedFromEnd(kafka)) {
            Thread.sleep(5_000); // let the job start reading
            TopicCodec<TrainingMetric> codec = TopicCodec.of("graft.metrics", TrainingMetric.class);
            TopicCodec<GrowthDecision> decisions =
                    TopicCodec.of("graft.decisions", GrowthDecision.class);
            long start = System.nanoTime();
            long sent = 0;
            long[] stepOf = new long[runs];
            long end = start + Duration.ofSeconds(latencySeconds).toNanos();
            while (System.nanoTime() < end) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * latencyRate);
                for (; sent < due; sent++) {
                    int r = (int) (sent % runs);
                    String run = prefix + "-" + r;
                    producer.send(
                            new ProducerRecord<>(
                                    "graft.metrics",
                                    run.getBytes(StandardCharsets.UTF_8),
                                    codec.encode(
                                            metric(
                                                    run,
                                                    ++stepOf[r],
                                                    System.currentTimeMillis(),
                                                    true))));
                }
                drain(consumer, decisions, prefix, latencies, Duration.ofMillis(5));
            }
            long tail = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < tail) {
                drain(consumer, decisions, prefix, latencies, Duration.ofMillis(200));
            }
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            if (sorted.isEmpty()) {
                out.println("  latency: no decisions seen");
            } else {
                out.printf(
                        Locale.ROOT,
                        "  latency, %,d metrics/s live over %,d runs, checkpoint every %d ms,"
                                + " reorder %d records / %s: %,d decisions, p50 %,d ms, p99 %,d ms,"
                                + " max %,d ms%n",
                        latencyRate,
                        runs,
                        settings.checkpointInterval().toMillis(),
                        reorderMaxRecords,
                        settings.stream().reorderMaxDelay(),
                        sorted.size(),
                        sorted.get(sorted.size() / 2),
                        sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99))),
                        sorted.get(sorted.size() - 1));
            }
        } finally {
            client.cancel().get();
        }
    }

    private static void drain(
            KafkaConsumer<byte[], byte[]> consumer,
            TopicCodec<GrowthDecision> codec,
            String prefix,
            List<Long> latencies,
            Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            long now = System.currentTimeMillis();
            Decoded<GrowthDecision> d =
                    codec.decode(
                            r.topic(),
                            r.partition(),
                            r.offset(),
                            r.timestamp(),
                            r.key(),
                            r.value());
            if (d instanceof Decoded.Valid<GrowthDecision> v
                    && v.value().getRunId().startsWith(prefix)) {
                latencies.add(now - v.value().getWallTimeMs());
            }
        }
    }

    /**
     * With {@code plateau}, a loss that falls for 10 steps, then stays flat: with patience 5 it
     * fires at step 16. Without, a loss that keeps improving (the throughput phase's steady state:
     * metrics that decide nothing, which is nearly all of them in a real fleet).
     */
    private static TrainingMetric metric(String run, long step, long wallTimeMs, boolean plateau) {
        return TrainingMetric.newBuilder()
                .setRunId(run)
                .setGeneration(0)
                .setStep(step)
                .setWallTimeMs(wallTimeMs)
                .setMetrics(
                        Map.of(
                                "loss",
                                plateau ? 3.0 - 0.1 * Math.min(step, 10) : 3.0 - 0.001 * step))
                .setSplit("train")
                .setTokensSeen(null)
                .setSource("bench")
                .build();
    }

    private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        ProducerConfig.BATCH_SIZE_CONFIG,
                        256 * 1024,
                        // Throughput only: the count comes from the topic's end offsets, so a
                        // retried batch cannot skew it (the idempotent producer stalled the
                        // embedded broker on this 2-core machine).
                        ProducerConfig.ACKS_CONFIG,
                        "1",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        false),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    private static long endOffsets(EmbeddedKafka kafka, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            return consumer.endOffsets(partitions).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }

    private static KafkaConsumer<byte[], byte[]> readCommittedFromEnd(EmbeddedKafka kafka) {
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                kafka.bootstrapServers(),
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
        List<TopicPartition> partitions =
                consumer.partitionsFor("graft.decisions").stream()
                        .map(p -> new TopicPartition("graft.decisions", p.partition()))
                        .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }
}
