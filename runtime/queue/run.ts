// One CLI run of a job, as the dispatcher tracks it from its claim until its worker says `end`.
import type { MessagePort } from "node:worker_threads";
import type { Job } from "../job/job";
import { jobFields, log } from "../log";

export interface Run {
  job: Job;
  /** Absent while the session's workspace is being read, before the worker is asked to run. */
  port?: MessagePort;
  pid?: number;
  /** The job left `processing` for this attempt (or is about to): the run's later messages are dropped. */
  closed: boolean;
  /** The worker said `end` (or its thread died): the slot is free. */
  ended: boolean;
  /** tool_use blocks the run reported: the job's tool_calls. */
  toolCalls: number;
  /** The workspace the run left, being stored: the session's next turn waits for it. */
  saving?: Promise<void>;
  /** A text chunk has arrived (the time to the first one is measured). */
  chunked: boolean;
  /** Writes the run started (its outcome, transcript): the slot and the session are released after them. */
  writes: Promise<unknown>[];
  /** When it was claimed (performance.now()): a lease renewal begun before it cannot know of it. */
  claimedAt: number;
}

export function newRun(job: Job, claimedAt: number): Run {
  return { job, closed: false, ended: false, chunked: false, toolCalls: 0, writes: [], claimedAt };
}

/** A write of the run's that must land before its slot and session are released; a failure is logged. */
export function track(run: Run, write: Promise<unknown>): void {
  run.writes.push(
    write.catch((err: unknown) => log("error", "a run's write failed", { ...jobFields(run.job), error: String((err as Error)?.message ?? err) })),
  );
}

/** Every write of the run's, its workspace included, has landed (or failed and been logged). */
export function writesSettled(run: Run): Promise<unknown> {
  return Promise.all([...run.writes, run.saving]);
}
