package dev.graft.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One run of a command line in-process, with what it printed: how tests drive {@code graft}.
 *
 * @param exitCode the exit code the command returned
 * @param out what it printed on stdout
 * @param err what it printed on stderr
 */
public record CliRun(int exitCode, String out, String err) {
    /** Runs {@code graft ARGS} as the CLI's main would (error handling included). */
    public static CliRun graft(String... args) {
        return run(GraftCli.commandLine(), args);
    }

    /** Runs one command object on its own, e.g. {@code CliRun.of(new InspectCommand(), path)}. */
    public static CliRun of(Object command, String... args) {
        return run(new CommandLine(command), args);
    }

    private static CliRun run(CommandLine cli, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        cli.getOut().flush();
        cli.getErr().flush();
        return new CliRun(code, out.toString(), err.toString());
    }
}
