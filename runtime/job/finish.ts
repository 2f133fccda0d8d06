// A job's terminal transition, its `result` event and its webhook delivery are written in one transaction,
// so a reader never finds a finished job whose stream has no end or whose callback was never queued.
import type { EventLog } from "../events/event-log";
import { resultPayload, type JobEvent } from "../events/job-event";
import type { JobStore } from "../store/job-store";
import type { Sql } from "../store/sql/sql";
import type { Webhooks } from "../webhooks/webhooks";
import { jobFields, log } from "../log";
import { jobFinished } from "../metrics/observe";
import type { Job } from "./job";

export interface FinishDeps {
  store: JobStore;
  events: EventLog;
  webhooks: Webhooks;
  /** Tells the instance running a job that it was ended elsewhere (PostgreSQL NOTIFY), in the transaction. */
  announceEnd?: (tx: Sql, jobId: string) => Promise<void>;
}

/**
 * Runs `transition` (a compare-and-set that returns the job it ended, or undefined) and, when it ended the
 * job, writes its `result` event and webhook in the same transaction; publishes the events once committed.
 * `webhook: false` queues no webhook: the job is about to be deleted, and a delivery committed now could be
 * taken and sent (by any instance) before the delete removes it.
 */
export async function finishJob(
  deps: FinishDeps,
  jobId: string,
  transition: (store: JobStore) => Promise<Job | undefined>,
  opts: { webhook?: boolean } = {},
): Promise<Job | undefined> {
  await deps.events.settle(jobId); // its earlier events are numbered and stored before its result
  const done = await deps.store.transaction(async (store): Promise<{ job: Job; events: JobEvent[] } | undefined> => {
    const job = await transition(store);
    if (!job) return undefined;
    const events = await deps.events.writeResult(store.sql, job.id, resultPayload(job));
    if (opts.webhook !== false) await deps.webhooks.jobFinished(store.sql, job);
    await deps.announceEnd?.(store.sql, job.id);
    return { job, events };
  });
  if (!done) return undefined;
  deps.events.publish(done.events);
  deps.webhooks.wake();
  const job = done.job;
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
  return job;
}
