// A job's terminal transition and its `result` event are written in one transaction, so a reader never finds
// a finished job whose stream has no end, nor a `result` event for a job that is still running.
import type { EventLog } from "../events/event-log";
import type { JobStore } from "../store/job-store";
import type { Job } from "./job";

export function finishJob(store: JobStore, events: EventLog, transition: () => Job | undefined): Job | undefined {
  return store.transaction(() => {
    const job = transition();
    if (job) {
      events.append(job.id, "result", { status: job.status, result: job.result, error: job.error });
      events.flush();
    }
    return job;
  });
}
