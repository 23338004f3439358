package dev.graft.cli;

import dev.graft.jobs.GraftVersion;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code graft} command line.
 *
 * <pre>{@code
 * ./graft up                                   # broker + Flink + jobs on this machine
 * ./graft send-metrics --run r1 --file loss.csv
 * ./graft tail graft.decisions --max 1
 * }</pre>
 */
@Command(
        name = "graft",
        mixinStandardHelpOptions = true,
        versionProvider = GraftCli.Version.class,
        description = "Grows and shrinks transformer models while they train.",
        subcommands = {
            UpCommand.class,
            SendMetricsCommand.class,
            TailCommand.class,
            TopicsCommand.class,
            CommandLine.HelpCommand.class
        })
public final class GraftCli implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (for tests). */
    public static int run(String... args) {
        // Avro 1.12 only deserializes generated classes from trusted packages; Flink's Avro
        // serializers in this JVM (the MiniCluster) need Graft's.
        System.setProperty(
                "org.apache.avro.SERIALIZABLE_PACKAGES",
                mergeTrusted(System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES")));
        return new CommandLine(new GraftCli()).execute(args);
    }

    private static String mergeTrusted(String existing) {
        String ours = "dev.graft.schema";
        if (existing == null || existing.isBlank()) {
            return ours;
        }
        return existing.contains(ours) ? existing : existing + "," + ours;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"graft " + GraftVersion.get()};
        }
    }
}
