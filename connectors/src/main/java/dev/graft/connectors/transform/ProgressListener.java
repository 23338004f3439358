package dev.graft.connectors.transform;

import dev.graft.schema.TransformProgress;

/** Receives a transform's progress (stage, tensors and bytes done) as it happens. */
@FunctionalInterface
public interface ProgressListener extends AutoCloseable {
    /** Ignores progress. */
    ProgressListener NONE = progress -> {};

    void report(TransformProgress progress);

    @Override
    default void close() throws Exception {}

    /** Creates a listener per worker. */
    @FunctionalInterface
    interface Factory extends java.io.Serializable {
        ProgressListener create() throws Exception;
    }
}
