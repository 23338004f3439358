package dev.graft.cli;

import dev.graft.jobs.local.LocalStack;

import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code graft up}: the whole service on this machine, until Ctrl-C. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = {
            "Starts Graft on this machine: a Kafka broker (KRaft, in-process), Graft's topics, a"
                    + " Flink MiniCluster, the TriggerJob and the TransformJob. Prints a line with 'ready' when it"
                    + " takes traffic; stops cleanly on Ctrl-C or SIGTERM."
        })
final class UpCommand implements Callable<Integer> {
    @Option(
            names = "--kafka-port",
            defaultValue = "9092",
            description = "Port of the embedded Kafka broker (default ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(
            names = "--flink-port",
            defaultValue = "8081",
            description = "Port of Flink's REST API (default ${DEFAULT-VALUE}; 0 = any free port).")
    int flinkPort;

    @Option(
            names = "--data-dir",
            description =
                    "Keep the broker's data here across restarts (default: a temporary directory,"
                            + " deleted on stop).")
    Path dataDirectory;

    @Option(
            names = {"-D", "--set"},
            paramLabel = "KEY=VALUE",
            description =
                    "Set a Graft or Flink option, e.g. -D graft.trigger.plateau.patience=20"
                            + " (see docs/configuration.md).")
    Map<String, String> settings = new LinkedHashMap<>();

    @picocli.CommandLine.Mixin Verbosity verbosity;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Configuration overrides = Configuration.fromMap(settings);
        LocalStack stack =
                LocalStack.start(
                        new LocalStack.Options(kafkaPort, dataDirectory, flinkPort, overrides));
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook =
                new Thread(
                        () -> {
                            out.println("graft stopping");
                            out.flush();
                            stack.close();
                            out.println("graft stopped");
                            out.flush();
                            stopped.countDown();
                        },
                        "graft-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println(
                "graft ready: kafka="
                        + stack.bootstrapServers()
                        + " flink="
                        + stack.flinkRestAddress()
                        + " store="
                        + stack.storeRoot()
                        + " topics="
                        + String.join(",", stack.topicNames()));
        out.flush();
        stopped.await();
        return 0;
    }
}
