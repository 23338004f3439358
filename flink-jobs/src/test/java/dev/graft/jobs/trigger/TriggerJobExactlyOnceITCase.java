package dev.graft.jobs.trigger;

import dev.graft.connectors.broker.EmbeddedKafka;
import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.connectors.kafka.KeyedRecordSerializationSchema;
import dev.graft.connectors.serde.TopicCodec;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.growth.policy.DecisionIds;
import dev.graft.jobs.GraftOptions;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.GraftTopology;
import dev.graft.jobs.testing.Jobs;
import dev.graft.jobs.testing.KafkaTopics;
import dev.graft.schema.Action;
import dev.graft.schema.BudgetChange;
import dev.graft.schema.BudgetScope;
import dev.graft.schema.CheckpointRef;
import dev.graft.schema.CheckpointSaved;
import dev.graft.schema.CommandAction;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.DecisionStatus;
import dev.graft.schema.GrowPolicy;
import dev.graft.schema.GrowthCommand;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly once through a real broker, with a forced failure: many runs interleaved across the six
 * partitions of graft.metrics, steps out of order and duplicated, a run budget that shrinks a run,
 * a command, a divergence and a late step; the decision sink's serializer throws once in the middle
 * of the second phase, the job restarts from its last Flink checkpoint, and a read_committed
 * consumer sees exactly the expected decisions, once each.
 *
 * <p>Every run logs {@code 2.0 - 0.01·step} for steps 1..30, then the step-30 value again: with
 * patience 5 PyTorch's rule sees its 6th bad evaluation at step 36.
 */
@Timeout(240)
class TriggerJobExactlyOnceITCase {
    @RegisterExtension static final MiniClusterExtension FLINK = Jobs.miniCluster(oneRestart());

    private static final int RUNS = 24;
    private static final long LAST_STEP = 60;
    private static final long FIRES_AT = 36;
    private static final long BASE_MS = 1_700_000_000_000L;

    /** Decisions serialized so far, across the restart; the failure fires once. */
    static final AtomicInteger SERIALIZED = new AtomicInteger();

    static final AtomicBoolean FAILED = new AtomicBoolean();
    static volatile int failAt = Integer.MAX_VALUE;

    private static EmbeddedKafka kafka;
    private static TopicCatalog topics;

    private static Configuration oneRestart() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        return conf;
    }

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaTopics.startBroker();
        topics = TopicCatalog.load();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Serializes like the production sink and throws once, at the {@code failAt}-th record. */
    static final class FailingOnce implements KafkaRecordSerializationSchema<GrowthDecision> {
        private static final long serialVersionUID = 1L;
        private final KeyedRecordSerializationSchema<GrowthDecision> delegate =
                new KeyedRecordSerializationSchema<>(
                        TopicCodec.of("graft.decisions", GrowthDecision.class));

        @Override
        public org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> serialize(
                GrowthDecision element, KafkaSinkContext context, Long timestamp) {
            if (SERIALIZED.incrementAndGet() >= failAt && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("forced failure (TriggerJobExactlyOnceITCase)");
            }
            return delegate.serialize(element, context, timestamp);
        }
    }

    static double loss(long step) {
        return 2.0 - 0.01 * Math.min(step, 30);
    }

    @Test
    void exactlyTheExpectedDecisionsOnceEachAcrossAFailureAndRestart() throws Exception {
        String s = UUID.randomUUID().toString().substring(0, 8);
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            runs.add("eo-" + s + "-" + i);
        }
        String diverging = runs.get(0);
        String budgeted = runs.get(1);
        String commanded = runs.get(2);
        List<String> phase1 = runs.subList(3, 13);
        List<String> phase2 = new ArrayList<>(runs.subList(13, RUNS));
        phase2.addAll(List.of(diverging, budgeted, commanded));

        Map<String, String> expected = new HashMap<>(); // decision id -> what
        for (String run : runs) {
            if (!run.equals(budgeted)) {
                expected.put(DecisionIds.of(run, 0, "PLATEAU", FIRES_AT), run + " plateau");
            }
        }
        expected.put(DecisionIds.of(diverging, 0, "DIVERGENCE", 45), diverging + " divergence");
        expected.put(DecisionIds.ofEvent(budgeted, 0, "BUDGET", "b-" + s), budgeted + " shrink");
        expected.put(DecisionIds.ofEvent(commanded, 0, "COMMAND", "c-" + s), commanded + " grow");

        Configuration conf = new Configuration();
        conf.set(GraftOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(GraftOptions.KAFKA_GROUP_ID_PREFIX, "eo-" + s);
        conf.set(GraftOptions.KAFKA_TRANSACTIONAL_ID_PREFIX, "eo-" + s);
        conf.set(GraftOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(500));
        conf.set(GraftOptions.TRIGGER_PLATEAU_PATIENCE, 5);
        conf.set(GraftOptions.TRIGGER_CHECKPOINT_WAIT, Duration.ofSeconds(60));
        // Reordering here is decided by the data alone (the record bound and the runs' own
        // clocks); a quiet run's processing-time release must not race a loaded CI machine.
        conf.set(GraftOptions.TRIGGER_REORDER_MAX_DELAY, Duration.ofSeconds(30));
        GraftSettings settings = GraftSettings.from(conf);
        GraftTopology topology = new GraftTopology(settings, topics);
        TriggerJob job =
                new TriggerJob(
                        new TriggerJob.Sources(
                                topology.source(TrainingMetric.class, "eo"),
                                topology.source(CheckpointSaved.class, "eo"),
                                topology.source(GrowthCommand.class, "eo"),
                                topology.source(BudgetChange.class, "eo")),
                        KafkaSink.<GrowthDecision>builder()
                                .setBootstrapServers(kafka.bootstrapServers())
                                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                                .setTransactionalIdPrefix("eo-" + s + "-decisions")
                                .setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "600000")
                                .setRecordSerializer(new FailingOnce())
                                .build(),
                        topology.sink(DeadLetter.class, "eo-" + s + "-dlq"),
                        settings,
                        "itcase");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        topology.configure(env);
        env.setParallelism(2);
        job.build(env);
        JobClient client = env.executeAsync("graft-trigger-exactly-once");

        Map<String, List<GrowthDecision>> seen = new HashMap<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer =
                        KafkaTopics.producer(kafka.bootstrapServers());
                KafkaConsumer<byte[], byte[]> decisions =
                        KafkaTopics.readCommittedConsumer(
                                kafka.bootstrapServers(), "graft.decisions");
                KafkaConsumer<byte[], byte[]> dlq =
                        KafkaTopics.readCommittedConsumer(kafka.bootstrapServers(), "graft.dlq")) {
            // Phase 1: ten runs, a budget that shrinks one run, a command for another.
            send(producer, "graft.checkpoints.saved", budgeted, saved(budgeted, 0, 1536, 24));
            send(
                    producer,
                    "graft.budget",
                    budgeted,
                    BudgetChange.newBuilder()
                            .setRunId(budgeted)
                            .setBudgetId("b-" + s)
                            .setScope(BudgetScope.RUN)
                            .setMaxParameters(200_000_000L)
                            .setMaxMemoryBytes(null)
                            .setMaxFlopsPerToken(null)
                            .setEffectiveFromMs(0)
                            .setGrowPolicy(GrowPolicy.AT_NEXT_PLATEAU)
                            .setIssuedBy("ops")
                            .setReason("smaller GPUs")
                            .build());
            send(producer, "graft.checkpoints.saved", commanded, saved(commanded, 0, 768, 12));
            send(producer, "graft.checkpoints.saved", commanded, saved(commanded, 20, 768, 12));
            send(
                    producer,
                    "graft.commands",
                    commanded,
                    GrowthCommand.newBuilder()
                            .setRunId(commanded)
                            .setCommandId("c-" + s)
                            .setAction(CommandAction.GROW)
                            // The command names its target: the run's CheckpointSaved (and so its
                            // architecture) is on another topic and may be read after the
                            // command, and a command without a target would then carry factors
                            // instead (RunTriggerTest covers that path deterministically).
                            .setTargetArch(saved(commanded, 0, 1536, 24).getArch())
                            .setOperator(null)
                            .setWallTimeMs(BASE_MS)
                            .setIssuedBy("alice")
                            .setReason("try the bigger model")
                            .build());
            sendRuns(producer, phase1, null);
            producer.flush();
            int phase1Decisions = phase1.size() + 2;
            poll(decisions, dlq, seen, deadLetters, phase1Decisions, 0, Duration.ofSeconds(90));
            assertThat(count(seen)).as("phase 1 committed").isEqualTo(phase1Decisions);

            // Phase 2: the rest, with a divergence and a late step; the sink fails once midway.
            failAt = SERIALIZED.get() + 5;
            sendRuns(producer, phase2, diverging);
            String lateRun = phase2.get(0);
            send(producer, "graft.metrics", lateRun, metric(lateRun, 59, loss(59))); // duplicate
            send(producer, "graft.metrics", lateRun, metric(lateRun, 0, loss(0))); // late
            producer.flush();
            poll(decisions, dlq, seen, deadLetters, expected.size(), 1, Duration.ofSeconds(150));
            // Keep reading a few more checkpoints: a duplicate would show up now.
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            while (System.nanoTime() < until) {
                poll(
                        decisions,
                        dlq,
                        seen,
                        deadLetters,
                        Integer.MAX_VALUE,
                        0,
                        Duration.ofMillis(500));
            }
        } finally {
            client.cancel().get();
        }

        assertThat(FAILED).as("the job failed once and restarted").isTrue();
        // The decision that failed, at least, was serialized again after the restart.
        assertThat(SERIALIZED.get()).isGreaterThan(expected.size());
        assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, List<GrowthDecision>> e : seen.entrySet()) {
            assertThat(e.getValue()).as(expected.get(e.getKey()) + " once").hasSize(1);
            GrowthDecision d = e.getValue().get(0);
            switch (d.getTrigger()) {
                case PLATEAU -> {
                    assertThat(d.getStep()).isEqualTo(FIRES_AT);
                    assertThat(d.getStatus()).isEqualTo(DecisionStatus.READY);
                    assertThat(d.getSourceCheckpoint().getStep()).isEqualTo(20);
                }
                case DIVERGENCE -> {
                    assertThat(d.getStatus()).isEqualTo(DecisionStatus.ADVISORY);
                    assertThat(d.getAction()).isEqualTo(Action.NONE);
                }
                case BUDGET -> {
                    assertThat(d.getAction()).isEqualTo(Action.SHRINK);
                    assertThat(d.getOperator()).isEqualTo("subclone");
                    assertThat(d.getTargetArch().getParameterCount()).isLessThan(200_000_000L);
                    assertThat(d.getSourceCheckpoint().getStep()).isZero();
                }
                case COMMAND -> {
                    assertThat(d.getAction()).isEqualTo(Action.GROW);
                    assertThat(d.getEvidence().getSettings()).containsEntry("issued_by", "alice");
                    assertThat(d.getTargetArch().getHiddenSize()).isEqualTo(1536);
                }
                default -> throw new AssertionError("unexpected decision " + d);
            }
        }
        assertThat(deadLetters)
                .singleElement()
                .satisfies(
                        dl -> assertThat(dl.getError().getCode()).isEqualTo("OUT_OF_ORDER_STEP"));
    }

    /** Round-robin over the runs, each run's steps with adjacent pairs swapped and duplicates. */
    private static void sendRuns(
            KafkaProducer<byte[], byte[]> producer, List<String> runs, String diverging) {
        for (String run : runs) {
            send(producer, "graft.checkpoints.saved", run, saved(run, 20, 768, 12));
        }
        for (long step = 1; step <= LAST_STEP; step += 2) {
            for (String run : runs) {
                long a = step + 1;
                long b = step;
                send(producer, "graft.metrics", run, metric(run, a, value(run, a, diverging)));
                send(producer, "graft.metrics", run, metric(run, b, value(run, b, diverging)));
                if (step % 7 == 0) {
                    send(producer, "graft.metrics", run, metric(run, b, value(run, b, diverging)));
                }
            }
        }
    }

    private static double value(String run, long step, String diverging) {
        return run.equals(diverging) && step == 45 ? Double.NaN : loss(step);
    }

    private static int count(Map<String, List<GrowthDecision>> seen) {
        return seen.values().stream().mapToInt(List::size).sum();
    }

    private static void poll(
            KafkaConsumer<byte[], byte[]> decisions,
            KafkaConsumer<byte[], byte[]> dlq,
            Map<String, List<GrowthDecision>> seen,
            List<DeadLetter> deadLetters,
            int wantDecisions,
            int wantDeadLetters,
            Duration timeout) {
        TopicCodec<GrowthDecision> decisionCodec =
                TopicCodec.of("graft.decisions", GrowthDecision.class);
        TopicCodec<DeadLetter> dlqCodec = TopicCodec.of("graft.dlq", DeadLetter.class);
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            for (ConsumerRecord<byte[], byte[]> r : decisions.poll(Duration.ofMillis(200))) {
                GrowthDecision d = KafkaTopics.decode(decisionCodec, r);
                if (d.getRunId().startsWith("eo-")) {
                    seen.computeIfAbsent(d.getDecisionId(), k -> new ArrayList<>()).add(d);
                }
            }
            for (ConsumerRecord<byte[], byte[]> r : dlq.poll(Duration.ofMillis(100))) {
                DeadLetter dl = KafkaTopics.decode(dlqCodec, r);
                if (dl.getRunId() != null && dl.getRunId().startsWith("eo-")) {
                    deadLetters.add(dl);
                }
            }
        } while (System.nanoTime() < deadline
                && (count(seen) < wantDecisions || deadLetters.size() < wantDeadLetters));
    }

    private static CheckpointSaved saved(String run, long step, int hidden, int layers) {
        return CheckpointSaved.newBuilder()
                .setRunId(run)
                .setCheckpoint(
                        CheckpointRef.newBuilder()
                                .setUri("file:///ckpt/" + run + "/" + step)
                                .setGeneration(0)
                                .setStep(step)
                                .setSha256(null)
                                .build())
                .setWallTimeMs(BASE_MS + step)
                .setArch(ArchSpecs.toAvro(RunTriggerTest.gpt2(hidden, layers, 0)))
                .build();
    }

    private static TrainingMetric metric(String run, long step, double loss) {
        return TrainingMetric.newBuilder()
                .setRunId(run)
                .setGeneration(0)
                .setStep(step)
                .setWallTimeMs(BASE_MS + step)
                .setMetrics(Map.of("loss", loss))
                .setSplit("train")
                .setTokensSeen(null)
                .setSource("TriggerJobExactlyOnceITCase")
                .build();
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecordBase> void send(
            KafkaProducer<byte[], byte[]> producer, String topic, String run, T record) {
        TopicCodec<T> codec = TopicCodec.of(topic, (Class<T>) record.getClass());
        producer.send(
                new ProducerRecord<>(
                        topic, run.getBytes(StandardCharsets.UTF_8), codec.encode(record)));
    }
}
