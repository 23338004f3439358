package dev.graft.growth.policy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Deterministic decision ids: the same run, generation, trigger and step always give the same id,
 * so a decision replayed after a failure is recognised by every consumer and a transform keyed by
 * it runs once.
 *
 * <pre>{@code
 * DecisionIds.of("run-7", 0, "PLATEAU", 1200); // "d-3f1c…" (32 hex digits after "d-")
 * }</pre>
 */
public final class DecisionIds {
    private static final int HEX_DIGITS = 32;

    private DecisionIds() {}

    /** The id of the decision a trigger makes for a run at a step of a generation. */
    public static String of(String runId, int generation, String trigger, long step) {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(trigger, "trigger");
        if (generation < 0 || step < 0) {
            throw new IllegalArgumentException(
                    "Decision ids need generation >= 0 and step >= 0, found generation "
                            + generation
                            + " and step "
                            + step
                            + " for run "
                            + runId);
        }
        // A separator that cannot occur in the decimal numbers and is unlikely in run ids keeps
        // ("a", 12) and ("a1", 2) apart.
        String material = runId + '\u0000' + generation + '\u0000' + trigger + '\u0000' + step;
        return "d-" + HexFormat.of().formatHex(sha256(material)).substring(0, HEX_DIGITS);
    }

    /**
     * The id of a decision caused by an event with its own id (a command's {@code command_id}, a
     * budget's {@code budget_id}). The step at which such an event is applied depends on how the
     * topics interleave, so the event's id, not the step, makes the decision unique.
     *
     * <pre>{@code
     * DecisionIds.ofEvent("run-7", 0, "COMMAND", "c-42");
     * }</pre>
     */
    public static String ofEvent(String runId, int generation, String trigger, String eventId) {
        Objects.requireNonNull(eventId, "eventId");
        return of(runId, generation, trigger + '\u0000' + eventId, 0);
    }

    private static byte[] sha256(String material) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(material.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java 17 runtime has SHA-256", e);
        }
    }
}
