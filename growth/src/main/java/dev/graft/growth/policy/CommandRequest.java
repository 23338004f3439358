package dev.graft.growth.policy;

import dev.graft.growth.arch.ArchSpec;

import java.util.Map;
import java.util.Objects;

/**
 * A person's request to change a run's size now (a GrowthCommand's GROW, SHRINK or UNSHARE).
 *
 * @param change what to do
 * @param targetArch the size to reach, or null to let the ladder choose
 * @param operator the operator to use, or null to let the policy choose
 * @param options operator options
 */
public record CommandRequest(
        SizeChange change, ArchSpec targetArch, String operator, Map<String, String> options) {
    /** Copies the options. */
    public CommandRequest {
        Objects.requireNonNull(change, "change");
        options = Map.copyOf(options == null ? Map.of() : options);
    }
}
