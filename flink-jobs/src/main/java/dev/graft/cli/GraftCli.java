package dev.graft.cli;

import dev.graft.connectors.store.GraftVersion;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code graft} command line.
 *
 * <pre>{@code
 * ./graft up                                   # broker + Flink + jobs on this machine
 * ./graft send-metrics --run r1 --file loss.csv
 * ./graft tail graft.decisions --max 1
 * ./graft grow --op hyperclone --factor 2 ckpt ckpt-2x
 * ./graft verify ckpt ckpt-2x                 # same function? max |Δlogit|
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
            SendCheckpointCommand.class,
            TailCommand.class,
            TopicsCommand.class,
            DetectCommand.class,
            InspectCommand.class,
            BenchCommand.class,
            GrowCommand.class,
            ShrinkCommand.class,
            VerifyCommand.class,
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
        return commandLine().execute(args);
    }

    /** The configured command line: one-line errors unless {@code --verbose}. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new GraftCli());
        cli.setExecutionExceptionHandler(
                (e, commandLine, parseResult) -> {
                    boolean verbose =
                            parseResult.expandedArgs().contains("--verbose")
                                    || "1".equals(System.getenv("GRAFT_VERBOSE"));
                    if (verbose) {
                        e.printStackTrace(commandLine.getErr());
                    } else {
                        commandLine
                                .getErr()
                                .println(
                                        "graft "
                                                + commandLine.getCommandName()
                                                + ": "
                                                + oneLine(e)
                                                + " (--verbose for details)");
                    }
                    commandLine.getErr().flush();
                    return 1;
                });
        return cli;
    }

    private static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
            message += ": " + root.getMessage();
        }
        return message.replace('\n', ' ');
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
