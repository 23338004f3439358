package dev.graft.jobs.transform;

import dev.graft.connectors.kafka.Sourced;
import dev.graft.jobs.ProcessRejections;
import dev.graft.schema.Action;
import dev.graft.schema.DecisionStatus;
import dev.graft.schema.GrowthDecision;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;

/**
 * Lets each decision through once (keyed by decision id, remembered for a week) if it asks for a
 * size change. Advisory decisions (divergence) need no transform and are counted; an action this
 * version does not know goes to the dead letters.
 */
final class OncePerDecision
        extends KeyedProcessFunction<String, Sourced<GrowthDecision>, Sourced<GrowthDecision>> {
    private static final long serialVersionUID = 1L;

    private transient ValueState<Boolean> seen;
    private transient Counter advisory;
    private transient Counter duplicates;

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<Boolean> descriptor =
                new ValueStateDescriptor<>("seen", Types.BOOLEAN);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofDays(7)).build());
        seen = getRuntimeContext().getState(descriptor);
        advisory = getRuntimeContext().getMetricGroup().counter("advisoryDecisions");
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicateDecisions");
    }

    @Override
    public void processElement(
            Sourced<GrowthDecision> decision, Context ctx, Collector<Sourced<GrowthDecision>> out)
            throws Exception {
        GrowthDecision d = decision.value();
        if (d.getAction() == Action.NONE || d.getStatus() == DecisionStatus.ADVISORY) {
            advisory.inc();
            return;
        }
        if (d.getAction() == Action.UNKNOWN) {
            ctx.output(
                    ProcessRejections.DEAD_LETTERS,
                    ProcessRejections.rejected(
                            decision,
                            d.getRunId(),
                            "UNKNOWN_ACTION",
                            "Decision "
                                    + d.getDecisionId()
                                    + " of run "
                                    + d.getRunId()
                                    + " asks for an action this version of Graft does not know;"
                                    + " expected GROW, SHRINK or UNSHARE. Upgrade the TransformJob.",
                            TransformJob.NAME + "/once",
                            System.currentTimeMillis()));
            return;
        }
        if (Boolean.TRUE.equals(seen.value())) {
            duplicates.inc();
            return;
        }
        seen.update(true);
        out.collect(decision);
    }
}
