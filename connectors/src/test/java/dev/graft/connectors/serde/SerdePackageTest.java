package dev.graft.connectors.serde;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The serde package is pure Java + Avro + Jackson so the CLI and tools can use it without Flink.
 */
class SerdePackageTest {

    @Test
    void hasNoFlinkImports() throws IOException {
        Path dir = Path.of("src/main/java/dev/graft/connectors/serde");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                assertThat(Files.readString(f)).as(f.toString()).doesNotContain("org.apache.flink");
            }
        }
    }
}
