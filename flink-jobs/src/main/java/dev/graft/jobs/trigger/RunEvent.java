package dev.graft.jobs.trigger;

import dev.graft.connectors.kafka.Incoming;
import dev.graft.connectors.kafka.Sourced;
import dev.graft.schema.BudgetChange;
import dev.graft.schema.CheckpointSaved;
import dev.graft.schema.GrowthCommand;
import dev.graft.schema.TrainingMetric;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import java.util.Map;

/**
 * One record of any of the TriggerJob's per-run inputs, so that they can share one keyed stream
 * (and one state): a metric, a saved checkpoint, a command, or a run-scoped budget. Exactly one
 * field is set. A Flink POJO with explicit type information: every variant is serialized with Avro.
 */
public final class RunEvent {
    public Sourced<TrainingMetric> metric;
    public Sourced<CheckpointSaved> checkpoint;
    public Sourced<GrowthCommand> command;
    public Sourced<BudgetChange> budget;

    public RunEvent() {}

    public static RunEvent metric(Sourced<TrainingMetric> s) {
        RunEvent e = new RunEvent();
        e.metric = s;
        return e;
    }

    public static RunEvent checkpoint(Sourced<CheckpointSaved> s) {
        RunEvent e = new RunEvent();
        e.checkpoint = s;
        return e;
    }

    public static RunEvent command(Sourced<GrowthCommand> s) {
        RunEvent e = new RunEvent();
        e.command = s;
        return e;
    }

    public static RunEvent budget(Sourced<BudgetChange> s) {
        RunEvent e = new RunEvent();
        e.budget = s;
        return e;
    }

    /** The run the event belongs to (the key). */
    public String runId() {
        if (metric != null) {
            return metric.value().getRunId();
        }
        if (checkpoint != null) {
            return checkpoint.value().getRunId();
        }
        if (command != null) {
            return command.value().getRunId();
        }
        return budget.value().getRunId();
    }

    /** Type information: a POJO whose fields are Avro-serialized {@link Sourced} records. */
    public static TypeInformation<RunEvent> typeInfo() {
        return Types.POJO(
                RunEvent.class,
                Map.of(
                        "metric", Incoming.sourcedTypeInfo(TrainingMetric.class),
                        "checkpoint", Incoming.sourcedTypeInfo(CheckpointSaved.class),
                        "command", Incoming.sourcedTypeInfo(GrowthCommand.class),
                        "budget", Incoming.sourcedTypeInfo(BudgetChange.class)));
    }

    @Override
    public String toString() {
        return "RunEvent["
                + (metric != null
                        ? metric
                        : checkpoint != null ? checkpoint : command != null ? command : budget)
                + "]";
    }
}
