package dev.graft.cli;

import picocli.CommandLine.Option;

/** The {@code --verbose} option every command takes: stack traces with errors. */
final class Verbosity {
    @Option(names = "--verbose", description = "Print the stack trace of an error.")
    boolean verbose;
}
