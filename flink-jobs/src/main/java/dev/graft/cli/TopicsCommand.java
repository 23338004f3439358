package dev.graft.cli;

import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.connectors.topics.TopicSpec;

import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code graft topics}: the topic table from {@code ops/kafka/topics.yaml}. */
@Command(
        name = "topics",
        mixinStandardHelpOptions = true,
        description = "Lists Graft's topics, their record types and who writes them.")
final class TopicsCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin Verbosity verbosity;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-28s %-36s %-13s %s%n", "TOPIC", "RECORD", "WRITTEN BY", "PARTITIONS");
        for (TopicSpec t : TopicCatalog.load().topics()) {
            out.printf(
                    "%-28s %-36s %-13s %d%n",
                    t.name(),
                    t.schema().replace("dev.graft.schema.", ""),
                    t.producer(),
                    t.partitions());
        }
        out.flush();
        return 0;
    }
}
