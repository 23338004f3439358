package dev.graft.jobs.transform;

import dev.graft.connectors.kafka.Incoming;
import dev.graft.connectors.kafka.Sourced;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.GrowthDecision;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

import java.util.Map;

/** A decision and what came of it. A Flink POJO serialized with Avro (see {@link #TYPE}). */
public final class TransformResult {
    public Sourced<GrowthDecision> decision;
    public CheckpointPublished outcome;

    public TransformResult() {}

    TransformResult(Sourced<GrowthDecision> decision, CheckpointPublished outcome) {
        this.decision = decision;
        this.outcome = outcome;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static final TypeInformation<TransformResult> TYPE =
            Types.POJO(
                    TransformResult.class,
                    Map.of(
                            "decision",
                            (TypeInformation) Incoming.sourcedTypeInfo(GrowthDecision.class),
                            "outcome",
                            new AvroTypeInfo<>(CheckpointPublished.class)));
}
