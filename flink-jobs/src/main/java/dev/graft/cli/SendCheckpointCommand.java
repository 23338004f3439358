package dev.graft.cli;

import dev.graft.connectors.hf.ArchSpecs;
import dev.graft.connectors.hf.HfCheckpoint;
import dev.graft.connectors.serde.TopicCodec;
import dev.graft.connectors.serde.WireFormat;
import dev.graft.connectors.store.CheckpointStore;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.schema.CheckpointRef;
import dev.graft.schema.CheckpointSaved;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code graft send-checkpoint}: announces a checkpoint a trainer saved (CheckpointSaved). */
@Command(
        name = "send-checkpoint",
        mixinStandardHelpOptions = true,
        description = {
            "Announces a saved Hugging Face checkpoint directory on graft.checkpoints.saved, with"
                    + " its architecture (from config.json) and the sha256 of every file. The"
                    + " directory is validated first; the checkpoint itself never travels on Kafka."
        })
final class SendCheckpointCommand implements Callable<Integer> {
    @Mixin KafkaConnection kafka;

    @Mixin Verbosity verbosity;

    @Option(names = "--run", required = true, description = "Run id the checkpoint belongs to.")
    String runId;

    @Option(
            names = "--step",
            required = true,
            description = "Training step the checkpoint captures.")
    long step;

    @Option(
            names = "--generation",
            defaultValue = "0",
            description = "Generation of the run (default ${DEFAULT-VALUE}).")
    int generation;

    @Option(
            names = "--state",
            paramLabel = "KEY=VALUE",
            description =
                    "Trainer facts needed to continue, e.g. --state lr=3e-4 --state batch_size=512.")
    Map<String, String> trainingState = new LinkedHashMap<>();

    @Option(names = "--json", description = "Send JSON instead of Avro.")
    boolean json;

    @Parameters(
            index = "0",
            paramLabel = "DIR",
            description = "The checkpoint directory (config.json + safetensors).")
    Path dir;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (runId.isBlank() || step < 0 || generation < 0) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(),
                    "expected a non-blank --run, --step >= 0 and --generation >= 0, found run '"
                            + runId
                            + "', step "
                            + step
                            + ", generation "
                            + generation);
        }
        CheckpointSaved saved;
        try (HfCheckpoint checkpoint = HfCheckpoint.open(dir)) {
            checkpoint.requireComplete();
            saved =
                    CheckpointSaved.newBuilder()
                            .setRunId(runId)
                            .setCheckpoint(
                                    CheckpointRef.newBuilder()
                                            .setUri(
                                                    dir.toAbsolutePath()
                                                            .normalize()
                                                            .toUri()
                                                            .toString())
                                            .setGeneration(generation)
                                            .setStep(step)
                                            .setSha256(null)
                                            .build())
                            .setWallTimeMs(System.currentTimeMillis())
                            .setFormat("hf-safetensors")
                            .setArch(ArchSpecs.toAvro(checkpoint.arch()))
                            .setFiles(CheckpointStore.describeLocal(dir))
                            .setTrainingState(trainingState)
                            .build();
        } catch (IOException e) {
            spec.commandLine().getErr().println("graft send-checkpoint: " + e.getMessage());
            return 2;
        }
        String topic = TopicCatalog.load().forSchema(CheckpointSaved.class.getName()).name();
        TopicCodec<CheckpointSaved> codec =
                TopicCodec.of(topic, CheckpointSaved.class)
                        .withWriteFormat(json ? WireFormat.JSON : WireFormat.AVRO);
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            producer.send(
                            new ProducerRecord<>(
                                    topic,
                                    runId.getBytes(StandardCharsets.UTF_8),
                                    codec.encode(saved)))
                    .get();
        }
        out.printf(
                "sent checkpoint %s (%s, %d files, %d parameters) to %s for run %s step %d%n",
                saved.getCheckpoint().getUri(),
                saved.getArch().getFamily(),
                saved.getFiles().size(),
                saved.getArch().getParameterCount(),
                topic,
                runId,
                step);
        out.flush();
        return 0;
    }
}
