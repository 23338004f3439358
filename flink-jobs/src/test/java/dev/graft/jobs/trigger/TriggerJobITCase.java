package dev.graft.jobs.trigger;

import dev.graft.connectors.broker.EmbeddedKafka;
import dev.graft.connectors.replay.StepCsv;
import dev.graft.connectors.serde.TopicCodec;
import dev.graft.connectors.serde.WireFormat;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.growth.policy.DecisionIds;
import dev.graft.jobs.GraftOptions;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.GraftTopology;
import dev.graft.jobs.testing.Jobs;
import dev.graft.jobs.testing.KafkaTopics;
import dev.graft.schema.BudgetChange;
import dev.graft.schema.BudgetScope;
import dev.graft.schema.DeadLetter;
import dev.graft.schema.DecisionStatus;
import dev.graft.schema.GrowPolicy;
import dev.graft.schema.GrowthDecision;
import dev.graft.schema.TrainingMetric;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TriggerJob end to end: a real KRaft broker, a Flink MiniCluster, Kafka sources and
 * exactly-once sinks, read back with {@code isolation.level=read_committed}.
 *
 * <p>Every record sent is accounted for: it either produced a decision, was absorbed into state, or
 * is on the dead-letter topic with its reason, topic, partition and offset. Expected firing steps
 * come from the independent PyTorch reference ({@link GoldenPlateau}).
 */
@Timeout(360)
class TriggerJobITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = Jobs.miniCluster(Jobs.noRestarts());

    private static final String CURVE = "16_paramgolf_4h.csv";

    private static EmbeddedKafka kafka;
    private static TopicCatalog topics;

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

    /** One sent record and where Kafka will have put it. */
    private record Sent(String run, Future<RecordMetadata> where) {}

    @Test
    void metricsInExactlyTheExpectedDecisionsOutAndEveryBadRecordOnTheDeadLetterTopic()
            throws Exception {
        String metricsTopic = topics.forSchema(TrainingMetric.class.getName()).name();
        TopicCodec<TrainingMetric> avro = TopicCodec.of(metricsTopic, TrainingMetric.class);
        TopicCodec<TrainingMetric> json = avro.withWriteFormat(WireFormat.JSON);
        List<StepCsv.Point> curve = StepCsv.read(GoldenPlateau.CURVES.resolve(CURVE)).points();
        // The rule under test, and what PyTorch's algorithm says it does on this curve.
        long expectedStep =
                GoldenPlateau.firingSteps(CURVE, "loss", "min", "0.01", "rel", 20, 0).get(0);

        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String avroRun = "itc-avro-" + suffix;
        String jsonRun = "itc-json-" + suffix;
        String restoredRun = "itc-restored-" + suffix;
        String orderRun = "itc-order-" + suffix;
        Map<String, String> expectedDeadLetters = new LinkedHashMap<>(); // partition@offset -> code
        List<Sent> sent = new ArrayList<>();

        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTopics.producer(kafka.bootstrapServers())) {
            Function<Object[], Sent> send =
                    args -> {
                        try {
                            String run = (String) args[0];
                            byte[] value = (byte[]) args[1];
                            Future<RecordMetadata> where =
                                    producer.send(
                                            new ProducerRecord<>(
                                                    metricsTopic,
                                                    run.getBytes(StandardCharsets.UTF_8),
                                                    value));
                            Sent s = new Sent(run, where);
                            sent.add(s);
                            return s;
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    };

            // A run in Avro, with its first 50 evaluations delivered twice (duplicates must not
            // count as bad evaluations).
            for (int i = 0; i < curve.size(); i++) {
                byte[] bytes = avro.encode(metric(avroRun, 0, curve.get(i)));
                send.apply(new Object[] {avroRun, bytes});
                if (i < 50) {
                    send.apply(new Object[] {avroRun, bytes});
                }
            }
            // The same curve in JSON.
            for (StepCsv.Point p : curve) {
                send.apply(new Object[] {jsonRun, json.encode(metric(jsonRun, 0, p))});
            }
            // A run restored into generation 1: the steps rewind, state starts fresh, and a
            // late generation-0 record is stale.
            for (StepCsv.Point p : curve) {
                send.apply(new Object[] {restoredRun, avro.encode(metric(restoredRun, 0, p))});
            }
            for (StepCsv.Point p : curve) {
                send.apply(new Object[] {restoredRun, avro.encode(metric(restoredRun, 1, p))});
            }
            Sent stale =
                    send.apply(
                            new Object[] {
                                restoredRun,
                                avro.encode(metric(restoredRun, 0, new StepCsv.Point(999_999, 1.0)))
                            });
            expectedDeadLetters.put(at(stale), "STALE_GENERATION");
            // A run whose step goes backwards without a new generation.
            for (int step = 0; step <= 100; step++) {
                send.apply(
                        new Object[] {
                            orderRun,
                            avro.encode(
                                    metric(
                                            orderRun,
                                            0,
                                            new StepCsv.Point(step, 10.0 - step * 0.01)))
                        });
            }
            Sent backwards =
                    send.apply(
                            new Object[] {
                                orderRun,
                                avro.encode(metric(orderRun, 0, new StepCsv.Point(50, 1.0)))
                            });
            expectedDeadLetters.put(at(backwards), "OUT_OF_ORDER_STEP");

            // Malformed records of every kind.
            byte[] random = new byte[64];
            new Random(7).nextBytes(random);
            expectedDeadLetters.put(at(send.apply(new Object[] {"itc-bad-random", random})), "*");
            BudgetChange budget =
                    BudgetChange.newBuilder()
                            .setRunId("itc-bad-schema")
                            .setBudgetId("b-1")
                            .setScope(BudgetScope.RUN)
                            .setMaxParameters(1_000_000L)
                            .setMaxMemoryBytes(null)
                            .setMaxFlopsPerToken(null)
                            .setEffectiveFromMs(0)
                            .setGrowPolicy(GrowPolicy.AT_NEXT_PLATEAU)
                            .setIssuedBy("itcase")
                            .setReason("a different schema on the metrics topic")
                            .build();
            byte[] budgetBytes = TopicCodec.of("graft.budget", BudgetChange.class).encode(budget);
            expectedDeadLetters.put(
                    at(send.apply(new Object[] {"itc-bad-schema", budgetBytes})), "UNKNOWN_SCHEMA");
            expectedDeadLetters.put(
                    at(
                            send.apply(
                                    new Object[] {
                                        "itc-bad-missing",
                                        utf8(
                                                "{\"run_id\":\"itc-bad-missing\",\"wall_time_ms\":1,"
                                                        + "\"metrics\":{\"loss\":1.0}}")
                                    })),
                    "MISSING_FIELD");
            expectedDeadLetters.put(
                    at(
                            send.apply(
                                    new Object[] {
                                        "itc-bad-type",
                                        utf8(
                                                "{\"run_id\":\"itc-bad-type\",\"step\":\"ten\","
                                                        + "\"wall_time_ms\":1,\"metrics\":{\"loss\":1.0}}")
                                    })),
                    "WRONG_TYPE");
            expectedDeadLetters.put(
                    at(
                            send.apply(
                                    new Object[] {
                                        "itc-bad-negative",
                                        utf8(
                                                "{\"run_id\":\"itc-bad-negative\",\"step\":-5,"
                                                        + "\"wall_time_ms\":1,\"metrics\":{\"loss\":1.0}}")
                                    })),
                    "INVALID_VALUE");
            producer.flush();
        }

        Configuration conf = new Configuration();
        conf.set(GraftOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(GraftOptions.KAFKA_GROUP_ID_PREFIX, "itc-" + suffix);
        conf.set(GraftOptions.KAFKA_TRANSACTIONAL_ID_PREFIX, "itc-" + suffix);
        conf.set(GraftOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(500));
        conf.set(GraftOptions.TRIGGER_PLATEAU_THRESHOLD, 0.01);
        conf.set(GraftOptions.TRIGGER_PLATEAU_PATIENCE, 20);
        // No checkpoints are sent here: decisions wait briefly, then say so.
        conf.set(GraftOptions.TRIGGER_CHECKPOINT_WAIT, Duration.ofSeconds(1));
        // What is asserted is decided by the data alone (the record bound and the runs' own
        // clocks); a quiet run's processing-time release must not race a loaded CI machine.
        conf.set(GraftOptions.TRIGGER_REORDER_MAX_DELAY, Duration.ofSeconds(30));
        GraftSettings settings = GraftSettings.from(conf);
        GraftTopology topology = new GraftTopology(settings, topics);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        topology.configure(env);
        env.setParallelism(2);
        topology.triggerJob("itcase").build(env);
        JobClient job = env.executeAsync("graft-trigger-itcase");

        Map<String, GrowthDecision> decisions = new LinkedHashMap<>();
        Map<String, DeadLetter> deadLetters = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> decisionConsumer =
                        KafkaTopics.readCommittedConsumer(
                                kafka.bootstrapServers(), "graft.decisions");
                KafkaConsumer<byte[], byte[]> dlqConsumer =
                        KafkaTopics.readCommittedConsumer(kafka.bootstrapServers(), "graft.dlq")) {
            TopicCodec<GrowthDecision> decisionCodec =
                    TopicCodec.of("graft.decisions", GrowthDecision.class);
            TopicCodec<DeadLetter> dlqCodec = TopicCodec.of("graft.dlq", DeadLetter.class);
            long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
            long settledSince = -1;
            while (System.nanoTime() < deadline) {
                boolean complete =
                        decisions.size() >= 4 && deadLetters.size() >= expectedDeadLetters.size();
                // Once everything expected is there, keep reading for several more checkpoints
                // so that an extra or duplicate record would be seen.
                if (complete && settledSince < 0) {
                    settledSince = System.nanoTime();
                }
                if (settledSince > 0
                        && System.nanoTime() - settledSince > Duration.ofSeconds(4).toNanos()) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> r :
                        decisionConsumer.poll(Duration.ofMillis(200))) {
                    GrowthDecision d = KafkaTopics.decode(decisionCodec, r);
                    assertThat(decisions.put(d.getDecisionId() + "@" + r.offset(), d))
                            .as("decision records are unique")
                            .isNull();
                }
                for (ConsumerRecord<byte[], byte[]> r : dlqConsumer.poll(Duration.ofMillis(200))) {
                    DeadLetter dl = KafkaTopics.decode(dlqCodec, r);
                    deadLetters.put(dl.getPartition() + "@" + dl.getOffset(), dl);
                }
            }
        } finally {
            job.cancel().get();
        }

        // Exactly the decisions PyTorch's algorithm gives, once each, with deterministic ids.
        assertThat(decisions.values())
                .extracting(
                        GrowthDecision::getRunId,
                        GrowthDecision::getGeneration,
                        GrowthDecision::getStep)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(avroRun, 0, expectedStep),
                        org.assertj.core.groups.Tuple.tuple(jsonRun, 0, expectedStep),
                        org.assertj.core.groups.Tuple.tuple(restoredRun, 0, expectedStep),
                        org.assertj.core.groups.Tuple.tuple(restoredRun, 1, expectedStep));
        for (GrowthDecision d : decisions.values()) {
            assertThat(d.getDecisionId())
                    .isEqualTo(
                            DecisionIds.of(
                                    d.getRunId(), d.getGeneration(), "PLATEAU", d.getStep()));
            assertThat(d.getEvidence().getWindow().getBadEvaluations()).isEqualTo(21);
            assertThat(d.getEvidence().getThresholds()).containsEntry("patience", 20.0);
            assertThat(d.getStatus()).isEqualTo(DecisionStatus.NO_CHECKPOINT);
        }

        // Exactly the bad records on the dead-letter topic, each naming where it came from.
        assertThat(deadLetters.keySet())
                .containsExactlyInAnyOrderElementsOf(expectedDeadLetters.keySet());
        for (Map.Entry<String, String> expected : expectedDeadLetters.entrySet()) {
            DeadLetter dl = deadLetters.get(expected.getKey());
            assertThat(dl.getSourceTopic()).isEqualTo(metricsTopic);
            assertThat(dl.getValue()).isNotNull();
            assertThat(dl.getError().getMessage()).isNotBlank();
            if (!expected.getValue().equals("*")) {
                assertThat(dl.getError().getCode())
                        .as(expected.getKey())
                        .isEqualTo(expected.getValue());
            }
        }
        // Everything else was valid and went into state: the accounting is complete.
        assertThat(sent.size() - expectedDeadLetters.size())
                .isEqualTo((curve.size() + 50) + curve.size() + 2 * curve.size() + 101);
    }

    private static String at(Sent sent) {
        try {
            RecordMetadata where = sent.where().get();
            return where.partition() + "@" + where.offset();
        } catch (Exception e) {
            throw new IllegalStateException("Could not send a record of run " + sent.run(), e);
        }
    }

    private static TrainingMetric metric(String run, int generation, StepCsv.Point p) {
        return TrainingMetric.newBuilder()
                .setRunId(run)
                .setGeneration(generation)
                .setStep(p.step())
                .setWallTimeMs(1_700_000_000_000L + p.step())
                .setMetrics(Map.of("loss", p.value()))
                .setSplit("train")
                .setTokensSeen(null)
                .setSource("TriggerJobITCase")
                .build();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
