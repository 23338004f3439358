package dev.graft.jobs.trigger;

import dev.graft.schema.GrowthDecision;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

import java.util.Map;

/**
 * A decision waiting for its source checkpoint: emitted as soon as a CheckpointSaved of its run and
 * generation at or before its step arrives, or at {@link #deadlineMillis} (processing time) with
 * status NO_CHECKPOINT.
 */
public final class PendingDecision {
    public GrowthDecision decision;
    public long deadlineMillis;

    public PendingDecision() {}

    public PendingDecision(GrowthDecision decision, long deadlineMillis) {
        this.decision = decision;
        this.deadlineMillis = deadlineMillis;
    }

    public static TypeInformation<PendingDecision> typeInfo() {
        return Types.POJO(
                PendingDecision.class,
                Map.of(
                        "decision",
                        new AvroTypeInfo<>(GrowthDecision.class),
                        "deadlineMillis",
                        Types.LONG));
    }
}
