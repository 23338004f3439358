package dev.graft.connectors.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * A writer to kill: publishes decision after decision of one checkpoint until the process dies. Run
 * by {@link CheckpointStoreTest} in a child JVM. Arguments: store root URI, checkpoint dir.
 */
public final class PublishLoop {

    private PublishLoop() {}

    public static void main(String[] args) throws Exception {
        CheckpointStore store = CheckpointStore.open(URI.create(args[0]));
        Path local = Path.of(args[1]);
        System.out.println("ready");
        System.out.flush();
        for (int i = 0; ; i++) {
            store.publish(
                    new PublishRequest(
                            "killed",
                            1,
                            10,
                            "decision-" + System.nanoTime(),
                            null,
                            "lemon",
                            Map.of(),
                            null,
                            null),
                    local);
            System.out.println("published " + i);
            System.out.flush();
        }
    }
}
