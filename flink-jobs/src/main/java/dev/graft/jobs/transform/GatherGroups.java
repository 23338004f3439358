package dev.graft.jobs.transform;

import dev.graft.schema.FileEntry;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Keyed by decision id: collects the shards of a decision's groups and hands the committer one
 * {@link CommitWork} when all are staged, or as soon as one group ends the decision (failed, or
 * found it published). Later results of a decision already handed on are dropped (counted), so the
 * decision is committed and reported once. State is Flink's, so a restart neither loses a staged
 * group nor commits twice.
 */
final class GatherGroups extends KeyedProcessFunction<String, GroupWork, CommitWork> {
    private static final long serialVersionUID = 1L;

    private transient MapState<Integer, FileEntry> shards;
    private transient ValueState<Integer> groups;
    private transient ValueState<Boolean> handedOn;
    private transient Counter late;

    @Override
    public void open(OpenContext openContext) {
        StateTtlConfig week = StateTtlConfig.newBuilder(Duration.ofDays(7)).build();
        MapStateDescriptor<Integer, FileEntry> shardsDescriptor =
                new MapStateDescriptor<>("shards", Types.INT, new AvroTypeInfo<>(FileEntry.class));
        shardsDescriptor.enableTimeToLive(week);
        ValueStateDescriptor<Integer> groupsDescriptor =
                new ValueStateDescriptor<>("groups", Types.INT);
        groupsDescriptor.enableTimeToLive(week);
        ValueStateDescriptor<Boolean> doneDescriptor =
                new ValueStateDescriptor<>("handed-on", Types.BOOLEAN);
        doneDescriptor.enableTimeToLive(week);
        shards = getRuntimeContext().getMapState(shardsDescriptor);
        groups = getRuntimeContext().getState(groupsDescriptor);
        handedOn = getRuntimeContext().getState(doneDescriptor);
        late = getRuntimeContext().getMetricGroup().counter("lateGroupResults");
    }

    @Override
    public void processElement(GroupWork work, Context ctx, Collector<CommitWork> out)
            throws Exception {
        if (Boolean.TRUE.equals(handedOn.value())) {
            late.inc();
            return;
        }
        if (work.isFinished()) {
            finish(CommitWork.finished(work.decision, work.outcome), out);
            return;
        }
        Integer expected = groups.value();
        if (expected == null || expected != work.groups) {
            // A decision planned again with another split (after a restart that changed the
            // parallelism): only the latest split's shards count.
            shards.clear();
            groups.update(work.groups);
        }
        shards.put(work.group, work.shard);
        List<FileEntry> all = new ArrayList<>();
        for (int g = 0; g < work.groups; g++) {
            FileEntry shard = shards.get(g);
            if (shard == null) {
                return;
            }
            all.add(shard);
        }
        finish(CommitWork.commit(work.decision, all), out);
    }

    private void finish(CommitWork commit, Collector<CommitWork> out) throws Exception {
        out.collect(commit);
        handedOn.update(true);
        shards.clear();
        groups.clear();
    }
}
