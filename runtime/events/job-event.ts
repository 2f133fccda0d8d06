// One event of a job, as stored and as streamed. `data` is serialised once, when the event is made, so a
// thousand subscribers share one string (and one SSE frame) instead of re-encoding it each.
import type { Job } from "../job/job";

/** Every event a job's stream can carry; the API document's event schemas are keyed by these. */
export const EVENT_NAMES = ["status", "chunk", "tool_use", "tool_result", "result"] as const;
export type EventName = (typeof EVENT_NAMES)[number];

export interface JobEvent {
  jobId: string;
  /** Per-job sequence number from 1: the SSE `id:` and the resumption point. */
  seq: number;
  event: EventName;
  /** JSON text of the payload; every payload carries `job_id`. */
  data: string;
  createdAt: number;
  frame?: string;
}

export function makeEvent(jobId: string, seq: number, event: EventName, payload: object, createdAt = Date.now()): JobEvent {
  return { jobId, seq, event, data: JSON.stringify({ job_id: jobId, ...payload }), createdAt };
}

/** The `result` event's payload (besides `job_id`): the original's three keys, always present. */
export function resultPayload(job: Pick<Job, "status" | "result" | "error">): { status: string; result: string; error: string } {
  return { status: job.status, result: job.result, error: job.error };
}

/** The SSE frame of an event, built once and cached on it. */
export function sseFrame(ev: JobEvent): string {
  return (ev.frame ??= `id: ${ev.seq}\nevent: ${ev.event}\ndata: ${ev.data}\n\n`);
}
