package dev.graft.jobs.testing;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

import java.util.concurrent.TimeUnit;

/** The ITCases' Flink MiniCluster, and ending test jobs so that a job that failed says why. */
public final class Jobs {
    private Jobs() {}

    /** A MiniCluster of one TaskManager with four slots, configured by {@code conf}. */
    public static MiniClusterExtension miniCluster(Configuration conf) {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(4)
                        .setConfiguration(conf)
                        .build());
    }

    /** No restarts: a failing exactly-once job would otherwise restart forever. */
    public static Configuration noRestarts() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return conf;
    }

    /** Cancels a running job; if it already failed, throws with the job's own failure cause. */
    public static void cancel(JobClient job) throws Exception {
        JobStatus status = job.getJobStatus().get(30, TimeUnit.SECONDS);
        if (status == JobStatus.FAILED || status == JobStatus.FAILING) {
            try {
                job.getJobExecutionResult().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("The job failed by itself: " + rootCause(e), e);
            }
        }
        if (!status.isGloballyTerminalState()) {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString();
    }
}
