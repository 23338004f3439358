package dev.graft.connectors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Small helpers for files on the local disk that several adapters and commands need. */
public final class LocalFiles {
    private LocalFiles() {}

    /**
     * Deletes {@code dir} and everything under it, deepest first; nothing happens if it is absent.
     *
     * <pre>{@code
     * LocalFiles.deleteTree(Path.of("/tmp/graft-bench-io"));
     * }</pre>
     */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
