package dev.graft.jobs;

import dev.graft.connectors.kafka.Incoming;
import dev.graft.connectors.kafka.Sourced;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Sends decoded records on and dead letters to {@link ProcessRejections#DEAD_LETTERS}: malformed
 * input never stops a job and is never dropped.
 */
public final class DeadLetterSplit<T extends SpecificRecord>
        extends ProcessFunction<Incoming<T>, Sourced<T>> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(Incoming<T> in, Context ctx, Collector<Sourced<T>> out) {
        if (in.isRecord()) {
            out.collect(in.record);
        } else {
            ctx.output(ProcessRejections.DEAD_LETTERS, in.deadLetter);
        }
    }
}
