package dev.graft.connectors.transform;

import dev.graft.schema.TransformProgress;

/** Receives a transform's progress (stage, tensors and bytes done) as it happens. */
@FunctionalInterface
public interface ProgressListener {
    /** Ignores progress. */
    ProgressListener NONE = progress -> {};

    void report(TransformProgress progress);
}
