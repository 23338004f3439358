package dev.graft.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line's surface: help, version, topics, and one-line errors. */
class GraftCliTest {
    private static CliRun graft(String... args) {
        return CliRun.graft(args);
    }

    @Test
    void helpListsTheSubcommands() {
        CliRun help = graft("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("up", "send-metrics", "tail", "topics");
    }

    @Test
    void topicsPrintsTheCatalog() {
        CliRun topics = graft("topics");
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
        CliRun tail = graft("tail", "graft.nope", "--timeout", "1");
        assertThat(tail.exitCode()).isEqualTo(2);
        assertThat(tail.err()).contains("Unknown topic 'graft.nope'", "graft.decisions");
    }

    @Test
    void missingCsvIsAOneLineError() {
        CliRun sent = graft("send-metrics", "--run", "r1", "--file", "/nonexistent/curve.csv");
        assertThat(sent.exitCode()).isEqualTo(2);
        assertThat(sent.err()).contains("/nonexistent/curve.csv").doesNotContain("\tat ");
    }

    @Test
    void badOptionsAreRejectedByTheParser() {
        CliRun tail = graft("tail", "graft.metrics", "--max", "0");
        assertThat(tail.exitCode()).isEqualTo(2);
        assertThat(tail.err()).contains("--max must be >= 1, found 0");
    }
}
