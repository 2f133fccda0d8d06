// A job's terminal transition, its `result` event and its webhook delivery are written in one transaction,
// so a reader never finds a finished job whose stream has no end or whose callback was never queued.
import type { EventLog } from "../events/event-log";
import { resultPayload } from "../events/job-event";
import type { JobStore } from "../store/job-store";
import type { Webhooks } from "../webhooks/webhooks";
import { jobFields, log } from "../log";
import { jobFinished } from "../metrics/observe";
import type { Job } from "./job";

export interface FinishDeps {
  store: JobStore;
  events: EventLog;
  webhooks: Webhooks;
}

export function finishJob(deps: FinishDeps, transition: () => Job | undefined): Job | undefined {
  const job = deps.store.transaction(() => {
    const job = transition();
    if (job) {
      deps.events.append(job.id, "result", resultPayload(job));
      deps.events.flush();
      deps.webhooks.jobFinished(job);
    }
    return job;
  });
  if (job) {
    jobFinished(job);
    const ran = job.startedAt !== undefined && job.completedAt !== undefined ? job.completedAt - job.startedAt : undefined;
    log(job.status === "failed" ? "warn" : "info", "job finished", {
      ...jobFields(job),
      status: job.status,
      error_code: job.errorCode || undefined,
      error: job.error || undefined,
      attempt: job.attempts,
      run_ms: ran,
      cost_usd: job.cost_usd,
    });
  }
  return job;
}
