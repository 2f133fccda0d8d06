// Jobs whose run was lost go back to the queue, or fail `interrupted` once they have used their attempts, as
// any job ends: with a `result` event closing their streams and their webhook queued, in the transaction that
// fails them. One SQLite gateway does it at start-up for every `processing` row (no run survives a server);
// on PostgreSQL an instance does it periodically for the rows whose lease ran out (their instance died).
import type { EventLog } from "../events/event-log";
import type { JobEvent } from "../events/job-event";
import { resultPayload } from "../events/job-event";
import type { Job } from "../job/job";
import { jobFields, log } from "../log";
import { jobFinished, jobsRequeued } from "../metrics/observe";
import type { JobStore } from "../store/job-store";
import type { Sql } from "../store/sql/sql";
import type { Webhooks } from "../webhooks/webhooks";

export interface RecoveryDeps {
  store: JobStore;
  events: EventLog;
  webhooks: Webhooks;
  maxAttempts: number;
}

export interface Recovered {
  requeued: number;
  failed: Job[];
  events: JobEvent[];
}

/** In transaction `tx`: recovers lost runs (`expiredOnly`: those whose lease ran out; else every running one). */
export async function recoverLostRuns(deps: RecoveryDeps, tx: Sql, expiredOnly: boolean): Promise<Recovered> {
  const r = await deps.store.in(tx).recoverInterrupted(deps.maxAttempts, expiredOnly);
  const events: JobEvent[] = [];
  for (const job of r.failed) {
    events.push(...(await deps.events.writeResult(tx, job.id, resultPayload(job))));
    await deps.webhooks.jobFinished(tx, job);
  }
  // A lost run spent its attempt (unlike a shutdown's requeue, which refunds it).
  for (const job of r.requeued) log("info", "job requeued", { ...jobFields(job), reason: "crash_recovery", attempt: job.attempts });
  return { requeued: r.requeued.length, failed: r.failed, events };
}

/** After the transaction committed: streams end, webhooks go, figures count. */
export function afterRecovery(deps: RecoveryDeps, r: Recovered): void {
  deps.events.publish(r.events);
  if (r.failed.length) deps.webhooks.wake();
  for (const job of r.failed) jobFinished(job);
  jobsRequeued("crash_recovery", r.requeued);
}
