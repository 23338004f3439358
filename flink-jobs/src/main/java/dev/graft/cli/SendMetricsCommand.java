package dev.graft.cli;

import dev.graft.connectors.replay.StepCsv;
import dev.graft.connectors.serde.TopicCodec;
import dev.graft.connectors.serde.WireFormat;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.schema.TrainingMetric;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code graft send-metrics}: replays a {@code step,loss} CSV into {@code graft.metrics}. */
@Command(
        name = "send-metrics",
        mixinStandardHelpOptions = true,
        description = {
            "Replays a step,value CSV (like a public training log) into graft.metrics as one"
                    + " TrainingMetric per line, keyed by the run id, in Avro (default) or JSON."
        })
final class SendMetricsCommand implements Callable<Integer> {
    @Mixin KafkaConnection kafka;

    @Option(names = "--run", required = true, description = "Run id the metrics belong to.")
    String runId;

    @Option(
            names = "--file",
            required = true,
            description = "CSV file: step,value per line (header optional).")
    Path file;

    @Option(
            names = "--metric",
            defaultValue = "loss",
            description = "Metric key the values are sent under (default ${DEFAULT-VALUE}).")
    String metric;

    @Option(
            names = "--generation",
            defaultValue = "0",
            description = "Generation of the run (default ${DEFAULT-VALUE}).")
    int generation;

    @Option(names = "--json", description = "Send JSON instead of Avro.")
    boolean json;

    @picocli.CommandLine.Mixin Verbosity verbosity;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (runId.isBlank()) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--run must not be blank");
        }
        if (generation < 0) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--generation must be >= 0, found " + generation);
        }
        StepCsv.Curve curve;
        try {
            curve = StepCsv.read(file);
        } catch (IllegalArgumentException | java.io.IOException e) {
            spec.commandLine().getErr().println("graft send-metrics: " + e.getMessage());
            return 2;
        }
        String topic = TopicCatalog.load().forSchema(TrainingMetric.class.getName()).name();
        TopicCodec<TrainingMetric> codec =
                TopicCodec.of(topic, TrainingMetric.class)
                        .withWriteFormat(json ? WireFormat.JSON : WireFormat.AVRO);
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        long start = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            long index = 0;
            for (StepCsv.Point point : curve.points()) {
                TrainingMetric record =
                        TrainingMetric.newBuilder()
                                .setRunId(runId)
                                .setGeneration(generation)
                                .setStep(point.step())
                                .setWallTimeMs(start + index++)
                                .setMetrics(Map.of(metric, point.value()))
                                .setSplit("train")
                                .setTokensSeen(null)
                                .setSource("graft send-metrics " + file.getFileName())
                                .build();
                producer.send(new ProducerRecord<>(topic, key, codec.encode(record)));
            }
            producer.flush();
        }
        out.printf(
                "sent %d records to %s for run %s (generation %d, metric %s, %s)%n",
                curve.points().size(), topic, runId, generation, metric, json ? "json" : "avro");
        out.flush();
        return 0;
    }
}
