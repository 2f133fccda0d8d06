// A job's terminal transition, its `result` event and its webhook delivery are written in one transaction,
// so a reader never finds a finished job whose stream has no end or whose callback was never queued.
import type { EventLog } from "../events/event-log";
import { resultPayload } from "../events/job-event";
import type { JobStore } from "../store/job-store";
import type { Webhooks } from "../webhooks/webhooks";
import type { Job } from "./job";

export interface FinishDeps {
  store: JobStore;
  events: EventLog;
  webhooks: Webhooks;
}

export function finishJob(deps: FinishDeps, transition: () => Job | undefined): Job | undefined {
  return deps.store.transaction(() => {
    const job = transition();
    if (job) {
      deps.events.append(job.id, "result", resultPayload(job));
      deps.events.flush();
      deps.webhooks.jobFinished(job);
    }
    return job;
  });
}
