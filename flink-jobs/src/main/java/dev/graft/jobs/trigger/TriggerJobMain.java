package dev.graft.jobs.trigger;

import dev.graft.connectors.store.GraftVersion;
import dev.graft.connectors.topics.TopicCatalog;
import dev.graft.jobs.GraftSettings;
import dev.graft.jobs.GraftTopology;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Entry point for running the TriggerJob on a Flink cluster ({@code flink run} or the Kubernetes
 * operator's {@code entryClass}). Graft options come from the cluster configuration; arguments of
 * the form {@code key=value} override them.
 *
 * <pre>{@code
 * flink run -c dev.graft.jobs.trigger.TriggerJobMain graft.jar graft.trigger.plateau.patience=20
 * }</pre>
 */
public final class TriggerJobMain {
    private TriggerJobMain() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration conf = Configuration.fromMap(env.getConfiguration().toMap());
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(
                        "TriggerJobMain takes key=value arguments, found '" + arg + "'");
            }
            conf.setString(arg.substring(0, eq), arg.substring(eq + 1));
        }
        GraftSettings settings = GraftSettings.from(conf);
        GraftTopology topology = new GraftTopology(settings, TopicCatalog.load());
        topology.configure(env);
        topology.triggerJob(GraftVersion.get()).build(env);
        env.execute(TriggerJob.NAME);
    }
}
