package dev.graft.connectors.store;

import dev.graft.schema.ArchSpec;
import dev.graft.schema.CheckpointRef;
import dev.graft.schema.Verification;

import java.util.Map;
import java.util.Objects;

/**
 * What to publish besides the files: the run and generation the checkpoint belongs to and its
 * provenance, all of which go into the manifest.
 *
 * @param decisionId the decision carried out; publishing it twice returns the first checkpoint.
 *     Null for a checkpoint imported as is (then the files' hashes name the directory).
 * @param parent the source checkpoint; null for an imported one
 * @param verification how the transform was checked; null when there was no transform
 * @param arch the architecture; null when unknown
 */
public record PublishRequest(
        String runId,
        int generation,
        long step,
        String decisionId,
        CheckpointRef parent,
        String operator,
        Map<String, String> operatorOptions,
        Verification verification,
        ArchSpec arch) {

    public PublishRequest {
        CheckpointStore.checkRunId(runId);
        if (generation < 0) {
            throw new IllegalArgumentException("generation is " + generation + "; expected >= 0");
        }
        if (step < 0) {
            throw new IllegalArgumentException("step is " + step + "; expected >= 0");
        }
        Objects.requireNonNull(operator, "operator");
        operatorOptions = Map.copyOf(operatorOptions == null ? Map.of() : operatorOptions);
    }

    /** A checkpoint imported as the trainer saved it: no decision, no parent, operator "import". */
    public static PublishRequest imported(String runId, int generation, long step, ArchSpec arch) {
        return new PublishRequest(
                runId, generation, step, null, null, "import", Map.of(), null, arch);
    }
}
