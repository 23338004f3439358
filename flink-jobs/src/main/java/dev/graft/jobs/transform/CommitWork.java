package dev.graft.jobs.transform;

import dev.graft.connectors.kafka.Incoming;
import dev.graft.connectors.kafka.Sourced;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.FileEntry;
import dev.graft.schema.GrowthDecision;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

import java.util.List;
import java.util.Map;

/**
 * What the committer of a decision gets once: every group's shard in group order, or the outcome
 * that ended the decision early (a group failed, or it was published before). A Flink POJO.
 */
public final class CommitWork {
    public Sourced<GrowthDecision> decision;
    public List<FileEntry> shards;
    public CheckpointPublished outcome;

    public CommitWork() {}

    static CommitWork commit(Sourced<GrowthDecision> decision, List<FileEntry> shards) {
        CommitWork w = new CommitWork();
        w.decision = decision;
        w.shards = List.copyOf(shards);
        return w;
    }

    static CommitWork finished(Sourced<GrowthDecision> decision, CheckpointPublished outcome) {
        CommitWork w = new CommitWork();
        w.decision = decision;
        w.shards = List.of();
        w.outcome = outcome;
        return w;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static final TypeInformation<CommitWork> TYPE =
            Types.POJO(
                    CommitWork.class,
                    Map.of(
                            "decision",
                            (TypeInformation) Incoming.sourcedTypeInfo(GrowthDecision.class),
                            "shards",
                            Types.LIST(new AvroTypeInfo<>(FileEntry.class)),
                            "outcome",
                            new AvroTypeInfo<>(CheckpointPublished.class)));
}
