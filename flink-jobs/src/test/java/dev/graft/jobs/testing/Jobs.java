package dev.graft.jobs.testing;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;

import java.util.concurrent.TimeUnit;

/** Ending test jobs so that a job that failed by itself says why. */
public final class Jobs {
    private Jobs() {}

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
