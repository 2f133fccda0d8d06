// Streams one job's events to one client as Server-Sent Events: the history first, then live events, in
// order, with no gap and no duplicate, whenever the client connects (before the job starts, mid-stream, after
// it ended).
//
// Memory: nothing is written faster than the client reads it. The opening snapshot and the history are read
// from the database page by page, the next page once the connection has taken the last (an event longer
// than a page, up to a 10 MiB result, in slices), so a connection holds at most a page and a slice however
// long the history. Only once a page read comes back empty does the stream take live events from the hub; while
// it replays, the hub's events are stored already and are read from the database in turn (one published while
// the empty read was under way sends it round again), and a sequence check drops anything already sent. A live
// event longer than a page sends the stream back to replaying, so it is written in slices too.
//
// Slow readers: a reader that, while the job streams on, falls MAX_BUFFERED_BYTES behind is cut off (it can
// resume from its last id); it never slows the job or other readers. This applies from the first byte, the
// snapshot included: live events waiting behind a replay that the reader does not take count as behind.
// A single frame larger than the limit is no reason: it is written in slices, each once the last was taken.
import type { ServerResponse } from "node:http";
import type { EventLog } from "../events/event-log";
import type { EventHub } from "../events/hub";
import { historyPage, writeStoredEvent } from "../events/history-writer";
import { resultPayload, sseFrame, type JobEvent } from "../events/job-event";
import type { StreamTokens } from "../events/stream-token";
import { INLINE_CHARS } from "../http/paced-write";
import { writeJobJson } from "../job/job-json-writer";
import { isTerminal } from "../job/job";
import type { JobStore } from "../store/job-store";
import type { JobText, LeanJob } from "../store/job-text";
import { SSE_HEADERS, type OpenStreams } from "./open-streams";
import { log } from "../log";
import { sseReaderCutOff } from "../metrics/observe";

export const MAX_BUFFERED_BYTES = 256 * 1024;
const RETRY_MS = 3000;

export interface StreamDeps {
  store: JobStore;
  jobText: JobText;
  events: EventLog;
  hub: EventHub;
  streams: OpenStreams;
  tokens: StreamTokens;
}

/** What a stream opens with: the job without its large columns, and whether the client already has everything. */
export interface StreamStart {
  lean: LeanJob;
  /** A resumed stream of an ended job whose result the client has: 204 tells EventSource to stop reconnecting. */
  nothingLeft: boolean;
}

/** Reads what opening the stream of a job needs; undefined for an unknown job. */
export async function startOfJobStream(jobId: string, after: number, deps: Pick<StreamDeps, "jobText" | "events">): Promise<StreamStart | undefined> {
  const lean = await deps.jobText.get(jobId);
  if (!lean) return undefined;
  const nothingLeft =
    isTerminal(lean.job.status) && after > 0 && !(await deps.events.hasAfter(jobId, after)) && (await deps.events.hasResult(jobId));
  return { lean, nothingLeft };
}

/**
 * Opens the stream of a job from after sequence `after` (0 = from the start), counted against `owner` (see
 * OpenStreams) in this synchronous step. Returns a promise that settles when the stream ends.
 */
export function openJobStream(res: ServerResponse, start: StreamStart, after: number, owner: string, deps: StreamDeps): Promise<void> {
  const { lean } = start;
  const jobId = lean.job.id;
  const terminal = isTerminal(lean.job.status);
  if (start.nothingLeft) {
    res.writeHead(204).end();
    return Promise.resolve();
  }

  res.writeHead(200, SSE_HEADERS);
  res.write(`retry: ${RETRY_MS}\n\n`);

  return new Promise<void>((resolve) => {
    let last = after;
    let ended = false;
    /** Reading stored history (true) or taking live events from the hub (false). */
    let replaying = true;
    /** Characters of live events published while a replay waits for the reader to take what it was given. */
    let passedBy = 0;
    /** The highest number published while replaying: stored, so a replay that ends below it reads again. */
    let seenLive = 0;
    // Live events come in batches (the event log publishes what it has just stored); the check is made once
    // per batch, before it, so one busy batch does not cut a reader that keeps up.
    let inBatch = false;
    let behind = 0;

    /** Ends the stream; `cutOff` drops the connection instead (a stalled reader, or its job deleted mid-write). */
    const end = (cutOff = false) => {
      if (ended) return;
      ended = true;
      unsubscribe();
      deps.streams.delete(res);
      if (cutOff) res.destroy();
      else if (!res.writableEnded) res.end();
      resolve();
    };

    /** A reader too far behind (live, or while its replay waits on it): counted, then dropped. */
    const cutOffSlowReader = () => {
      sseReaderCutOff();
      end(true);
    };

    const onLive = (ev: JobEvent) => {
      if (ended || ev.seq <= last) return;
      if (replaying) {
        seenLive = Math.max(seenLive, ev.seq);
        // Stored already: the replay reads it in turn. A reader whose buffer is below the mark keeps up.
        passedBy = res.writableNeedDrain ? passedBy + ev.data.length : 0;
        if (res.writableLength + passedBy > MAX_BUFFERED_BYTES) cutOffSlowReader();
        return;
      }
      if (!inBatch) {
        inBatch = true;
        behind = res.writableLength;
        queueMicrotask(() => (inBatch = false));
      }
      // A stalled reader: drop it rather than buffer without bound.
      if (behind > MAX_BUFFERED_BYTES) return cutOffSlowReader();
      if (ev.data.length > INLINE_CHARS) return void replay().catch(fail); // long: from the database, in slices
      last = ev.seq;
      res.write(sseFrame(ev));
      if (ev.event === "result") end();
    };

    /** A read or write that threw (the database closing at shutdown): the stream is dropped, not the server. */
    const fail = (err: unknown) => {
      log("warn", "stream failed", { job_id: jobId, error: (err as Error).message });
      end(true);
    };

    /** Runs a write of one frame in several pieces, with the heartbeat held off so no ping lands inside it. */
    const inPieces = async <T>(write: () => Promise<T>): Promise<T> => {
      deps.streams.quiet(res, true);
      try {
        return await write();
      } finally {
        deps.streams.quiet(res, false);
      }
    };

    /** Writes stored events after `last` page by page, until a page comes back empty; then goes live. */
    const replay = async () => {
      replaying = true;
      passedBy = 0;
      for (;;) {
        if (ended) return;
        const page = await historyPage(deps.events, jobId, last);
        if (page.length === 0) {
          if (seenLive <= last) break;
          seenLive = 0; // read once more: an event published during this read committed after it began
          continue;
        }
        for (const ev of page) {
          const r = await inPieces(() => writeStoredEvent(res, deps.events, jobId, ev, `id: ${ev.seq}\nevent: ${ev.event}\ndata: `, "\n\n"));
          if (r !== "ok" || ended) return end(r === "gone");
          last = ev.seq;
          if (ev.event === "result") return end();
        }
      }
      // Caught up, in the same synchronous step as the empty read's check: what is published from now on comes live.
      replaying = false;
      // A job that ended without a stored result event (finished before this log existed) still ends its streams.
      if (terminal && !(await deps.events.hasResult(jobId))) {
        const job = await deps.store.get(jobId);
        if (job && !ended) res.write(`event: result\ndata: ${JSON.stringify({ job_id: job.id, ...resultPayload(job) })}\n\n`);
        end();
      }
    };

    const unsubscribe = deps.hub.subscribe(jobId, onLive);
    deps.streams.add(res, jobId, owner);
    res.on("close", () => end());
    void (async () => {
      // As the original: a fresh subscriber to an unfinished job first gets the whole job (a frame without an
      // id, so it does not move the client's resumption point).
      if (after === 0 && !terminal) {
        const r = await inPieces(() => writeJobJson(res, deps, lean, "event: status\ndata: ", "\n\n"));
        if (r !== "ok") return end(r === "gone");
      }
      await replay();
    })().catch(fail);
  });
}

/** The resumption point: `Last-Event-ID` (set by EventSource on reconnect) or `?after=`. */
export function resumeAfter(lastEventId: string | undefined, afterParam: unknown): number | "invalid" {
  const raw = lastEventId ?? (typeof afterParam === "string" ? afterParam : undefined);
  if (raw === undefined || raw === "") return 0;
  return /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : "invalid";
}
