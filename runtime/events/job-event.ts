// One event of a job, as stored and as streamed. `data` is serialised once, when the event is made, so a
// thousand subscribers share one string (and one SSE frame) instead of re-encoding it each.

export type EventName = "status" | "chunk" | "tool" | "result";

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

/** The SSE frame of an event, built once and cached on it. */
export function sseFrame(ev: JobEvent): string {
  return (ev.frame ??= `id: ${ev.seq}\nevent: ${ev.event}\ndata: ${ev.data}\n\n`);
}
