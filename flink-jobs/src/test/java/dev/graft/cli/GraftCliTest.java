package dev.graft.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line's surface: help, version, topics, and one-line errors. */
class GraftCliTest {
    private record Result(int exitCode, String out, String err) {}

    private static Result graft(String... args) {
        CommandLine cli = GraftCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Result(cli.execute(args), out.toString(), err.toString());
    }

    @Test
    void helpListsTheSubcommands() {
        Result help = graft("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("up", "send-metrics", "tail", "topics");
    }

    @Test
    void topicsPrintsTheCatalog() {
        Result topics = graft("topics");
        assertThat(topics.exitCode()).isZero();
        assertThat(topics.out())
                .contains(
                        "graft.metrics",
                        "TrainingMetric",
                        "graft.decisions",
                        "GrowthDecision",
                        "graft.dlq");
    }

    @Test
    void unknownTopicIsAOneLineErrorNamingTheKnownOnes() {
        Result tail = graft("tail", "graft.nope", "--timeout", "1");
        assertThat(tail.exitCode()).isEqualTo(2);
        assertThat(tail.err()).contains("Unknown topic 'graft.nope'", "graft.decisions");
    }

    @Test
    void missingCsvIsAOneLineError() {
        Result sent = graft("send-metrics", "--run", "r1", "--file", "/nonexistent/curve.csv");
        assertThat(sent.exitCode()).isEqualTo(2);
        assertThat(sent.err()).contains("/nonexistent/curve.csv").doesNotContain("\tat ");
    }

    @Test
    void badOptionsAreRejectedByTheParser() {
        Result tail = graft("tail", "graft.metrics", "--max", "0");
        assertThat(tail.exitCode()).isEqualTo(2);
        assertThat(tail.err()).contains("--max must be >= 1, found 0");
    }
}
