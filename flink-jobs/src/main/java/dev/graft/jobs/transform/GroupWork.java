package dev.graft.jobs.transform;

import dev.graft.connectors.kafka.Incoming;
import dev.graft.connectors.kafka.Sourced;
import dev.graft.schema.CheckpointPublished;
import dev.graft.schema.FileEntry;
import dev.graft.schema.GrowthDecision;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

import java.util.Map;

/**
 * One tensor group of a decision between planning and commit: a group to write, the shard a group
 * staged, or the decision's outcome already (published before, or failed), which passes through to
 * the commit. A Flink POJO serialized field by field, the Avro parts with Avro (see {@link #TYPE}).
 */
public final class GroupWork {
    public Sourced<GrowthDecision> decision;

    /** 0-based; -1 when {@link #outcome} came from planning. */
    public int group;

    /** Groups the decision is written in (0 when planning gave its outcome). */
    public int groups;

    /** The shard this group staged; null before it is written, or with an outcome. */
    public FileEntry shard;

    /** The decision's outcome, when it is known before the commit; else null. */
    public CheckpointPublished outcome;

    public GroupWork() {}

    static GroupWork toWrite(Sourced<GrowthDecision> decision, int group, int groups) {
        GroupWork w = new GroupWork();
        w.decision = decision;
        w.group = group;
        w.groups = groups;
        return w;
    }

    static GroupWork finished(Sourced<GrowthDecision> decision, CheckpointPublished outcome) {
        return finished(decision, -1, 0, outcome);
    }

    static GroupWork finished(
            Sourced<GrowthDecision> decision, int group, int groups, CheckpointPublished outcome) {
        GroupWork w = new GroupWork();
        w.decision = decision;
        w.group = group;
        w.groups = groups;
        w.outcome = outcome;
        return w;
    }

    GroupWork staged(FileEntry shard) {
        GroupWork w = toWrite(decision, group, groups);
        w.shard = shard;
        return w;
    }

    boolean isFinished() {
        return outcome != null;
    }

    String decisionId() {
        return decision.value().getDecisionId();
    }

    @Override
    public String toString() {
        return "group "
                + group
                + "/"
                + groups
                + " of decision "
                + (decision == null ? null : decisionId())
                + (shard != null ? " staged " + shard.getPath() : "")
                + (outcome != null ? " " + outcome.getStatus() : "");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static final TypeInformation<GroupWork> TYPE =
            Types.POJO(
                    GroupWork.class,
                    Map.of(
                            "decision",
                            (TypeInformation) Incoming.sourcedTypeInfo(GrowthDecision.class),
                            "group",
                            Types.INT,
                            "groups",
                            Types.INT,
                            "shard",
                            new AvroTypeInfo<>(FileEntry.class),
                            "outcome",
                            new AvroTypeInfo<>(CheckpointPublished.class)));
}
