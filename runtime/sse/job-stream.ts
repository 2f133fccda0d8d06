// Streams one job's events to one client as Server-Sent Events: the history first, then live events, in
// order, with no gap and no duplicate, whenever the client connects (before the job starts, mid-stream, after
// it ended). Subscribing, reading the history and writing it happen in one synchronous step, so no event can
// slip between them; a sequence check drops anything already sent. The opening (the job snapshot and the
// history) is written whole, however large; a reader that then falls further behind by more than
// MAX_BUFFERED_BYTES is cut off (it can resume from its last id); it never slows the job or other readers.
import type { ServerResponse } from "node:http";
import type { EventLog } from "../events/event-log";
import type { EventHub } from "../events/hub";
import { resultPayload, sseFrame, type JobEvent } from "../events/job-event";
import type { JobStore } from "../store/job-store";
import { isTerminal, type Job } from "../job/job";
import type { OpenStreams } from "./open-streams";
import { sseReaderCutOff } from "../metrics/observe";

export const MAX_BUFFERED_BYTES = 256 * 1024;
const RETRY_MS = 3000;

export interface StreamDeps {
  store: JobStore;
  events: EventLog;
  hub: EventHub;
  streams: OpenStreams;
  /** Renders the job object for the opening snapshot (with its URLs). */
  render: (job: Job) => string;
}

/**
 * Opens the stream of a job from after sequence `after` (0 = from the start). Returns false for an unknown job,
 * else a promise that settles when the stream ends.
 */
export function openJobStream(res: ServerResponse, jobId: string, after: number, deps: StreamDeps): false | Promise<void> {
  const job = deps.store.get(jobId);
  if (!job) return false;
  if (isTerminal(job.status) && after > 0 && deps.events.history(jobId, after, 1).length === 0 && deps.events.hasResult(jobId)) {
    // The client already has everything, result included: 204 tells EventSource to stop reconnecting.
    res.writeHead(204).end();
    return Promise.resolve();
  }

  res.writeHead(200, {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
  });
  res.write(`retry: ${RETRY_MS}\n\n`);
  // As the original: a fresh subscriber to an unfinished job first gets the whole job (a frame without an id,
  // so it does not move the client's resumption point).
  if (after === 0 && !isTerminal(job.status)) res.write(`event: status\ndata: ${deps.render(job)}\n\n`);

  return new Promise<void>((resolve) => {
    let last = after;
    let ended = false;
    // How far behind the reader may be. The opening may be megabytes (a 1 MiB prompt in the snapshot, a long
    // answer in the history) and is written in one go: no limit until it is, then what it left unread plus
    // MAX_BUFFERED_BYTES. Events come in batches (the event log publishes what it has just stored); the check
    // is made once per batch, before it, so neither one big event nor one busy batch cuts a reader that keeps up.
    let allowed = Infinity;
    let inBatch = false;
    let behind = 0;
    /** Ends the stream; `cutOff` drops the connection instead (a stalled reader). */
    const end = (cutOff = false) => {
      if (ended) return;
      ended = true;
      unsubscribe();
      deps.streams.delete(res);
      if (cutOff) res.destroy();
      else if (!res.writableEnded) res.end();
      resolve();
    };
    const send = (ev: JobEvent) => {
      if (ended || ev.seq <= last) return;
      if (!inBatch) {
        inBatch = true;
        behind = res.writableLength;
        queueMicrotask(() => (inBatch = false));
      }
      // A stalled reader: drop it rather than buffer without bound.
      if (behind > allowed) {
        sseReaderCutOff();
        return end(true);
      }
      last = ev.seq;
      res.write(sseFrame(ev));
      if (ev.event === "result") return end();
    };

    const unsubscribe = deps.hub.subscribe(jobId, send);
    deps.streams.add(res, jobId);
    res.on("close", () => end());
    for (const ev of deps.events.history(jobId, after)) send(ev);
    allowed = res.writableLength + MAX_BUFFERED_BYTES;
    // A job that ended without a stored result event (finished before this log existed) still ends its streams.
    if (!ended && isTerminal(job.status) && !deps.events.hasResult(jobId)) {
      res.write(`event: result\ndata: ${JSON.stringify({ job_id: job.id, ...resultPayload(job) })}\n\n`);
      end();
    }
  });
}

/** The resumption point: `Last-Event-ID` (set by EventSource on reconnect) or `?after=`. */
export function resumeAfter(lastEventId: string | undefined, afterParam: unknown): number | "invalid" {
  const raw = lastEventId ?? (typeof afterParam === "string" ? afterParam : undefined);
  if (raw === undefined || raw === "") return 0;
  return /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : "invalid";
}
