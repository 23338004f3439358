package dev.graft.connectors.store;

import dev.graft.schema.CheckpointRef;

import org.apache.flink.core.fs.Path;

/**
 * A checkpoint the store serves: its directory, its validated manifest and the manifest's sha256
 * (which a {@link CheckpointRef} carries so a consumer can detect a changed directory).
 */
public record PublishedCheckpoint(Path dir, Manifest manifest, String manifestSha256) {

    /** The claim check for events: URI, generation, step and manifest hash. */
    public CheckpointRef toRef() {
        return CheckpointRef.newBuilder()
                .setUri(dir.toUri().toString())
                .setGeneration(manifest.generation())
                .setStep(manifest.step())
                .setSha256(manifestSha256)
                .build();
    }

    /** The directory's name: {@code <generation>-<short hash>}. */
    public String name() {
        return dir.getName();
    }
}
