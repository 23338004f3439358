package dev.graft.jobs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/configuration.md is generated from GraftOptions and must not go stale. */
class ConfigurationDocsTest {
    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void theReferenceMatchesTheDeclaredOptions() throws IOException {
        String expected = ConfigurationDocs.markdown();
        if (Boolean.getBoolean("graft.docs.write")) {
            Files.writeString(DOC, expected, StandardCharsets.UTF_8);
        }
        assertThat(Files.exists(DOC)).as("%s exists", DOC).isTrue();
        assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
                .as(
                        "docs/configuration.md is stale; regenerate it with: mvn -pl flink-jobs -am"
                                + " test -Dtest=ConfigurationDocsTest -Dgraft.docs.write=true"
                                + " -Dsurefire.failIfNoSpecifiedTests=false")
                .isEqualTo(expected);
    }

    @Test
    void everyOptionHasADescriptionAndAGraftKey() {
        var options = new java.util.ArrayList<>(GraftOptions.all());
        options.addAll(dev.graft.jobs.transform.TransformOptions.all());
        for (var option : options) {
            assertThat(option.key()).startsWith("graft.");
            assertThat(option.hasDefaultValue()).as(option.key()).isTrue();
            assertThat(option.description().getBlocks()).as(option.key()).isNotEmpty();
        }
    }
}
