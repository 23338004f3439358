package dev.graft.growth.detect;

import java.util.Objects;

/**
 * A detector fired: what kind of signal, at which step, for which metric, with its evidence.
 *
 * <p>One record for every detector (rather than a sealed hierarchy) so that a stream processor can
 * keep and ship it as a plain POJO; {@link #kind()} says which fields of {@link #evidence()} apply.
 *
 * <pre>{@code
 * Signal s = evaluation.signal().orElseThrow();
 * if (s.kind() == SignalKind.DIVERGENCE) alert(s.reason()); else considerGrowth(s);
 * }</pre>
 *
 * @param kind plateau, trend or divergence
 * @param metric the metric watched, e.g. {@code "loss"}
 * @param step the step of the evaluation that fired
 * @param reason one line for people, e.g. {@code "nan"}, {@code "spike 4.1x smoothed"}
 * @param evidence the statistics behind it
 */
public record Signal(SignalKind kind, String metric, long step, String reason, Evidence evidence) {

    /** Checks that nothing is null. */
    public Signal {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(evidence, "evidence");
    }

    /** Whether this is a reason to consider growing ({@link SignalKind#DIVERGENCE} never is). */
    public boolean isGrowthCandidate() {
        return kind != SignalKind.DIVERGENCE;
    }
}
