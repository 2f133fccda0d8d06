// Stored events written to a response page by page, never more than a page and one slice held for a
// connection: the SSE replay and GET /api/v1/jobs/{id}/events share it.
import type { ServerResponse } from "node:http";
import { INLINE_CHARS, send, sendSlices, startBody, written } from "../http/paced-write";
import type { EventLog, StoredEvent } from "./event-log";

/** A page of history: at most this many events, and no more once this many characters of data are in it. */
export const PAGE_ROWS = 500;
export const PAGE_CHARS = 64 * 1024;

export function historyPage(events: EventLog, jobId: string, after: number, rows = PAGE_ROWS): Promise<StoredEvent[]> {
  return events.historyPage(jobId, after, rows, PAGE_CHARS, INLINE_CHARS);
}

/** Writes `head`, the event's data (whole, or read in slices when long) and `tail`. */
export async function writeStoredEvent(
  res: ServerResponse,
  events: EventLog,
  jobId: string,
  ev: StoredEvent,
  head: string,
  tail: string,
): Promise<"ok" | "closed" | "gone"> {
  if (ev.data !== undefined) return (await send(res, head + ev.data + tail)) ? "ok" : "closed";
  if (!(await send(res, head))) return "closed";
  const r = await sendSlices(res, ev.length, (start, count) => events.dataSlice(jobId, ev.seq, start, count));
  if (r !== "ok") return r;
  return (await send(res, tail)) ? "ok" : "closed";
}

/**
 * GET /api/v1/jobs/{id}/events: up to `limit` events after `after` as one JSON object, written page by page.
 * `has_more` says whether more are stored once the page has been written; `done` that the job had ended
 * (`terminal`, read before the events) and nothing more is stored.
 */
export async function writeEventsPage(
  res: ServerResponse,
  events: EventLog,
  jobId: string,
  after: number,
  limit: number,
  terminal: boolean,
): Promise<void> {
  if (!startBody(res, { "Content-Type": "application/json" })) return;
  if (!(await send(res, `{"job_id":${JSON.stringify(jobId)},"events":[`))) return;
  let count = 0;
  let lastId = after;
  while (count < limit) {
    const page = await historyPage(events, jobId, lastId, limit - count);
    if (page.length === 0) break;
    for (const ev of page) {
      const head = `${count > 0 ? "," : ""}{"id":${ev.seq},"event":${JSON.stringify(ev.event)},"data":`;
      const tail = `,"created_at":${JSON.stringify(new Date(ev.createdAt).toISOString())}}`;
      if (!written(res, await writeStoredEvent(res, events, jobId, ev, head, tail))) return;
      count++;
      lastId = ev.seq;
    }
  }
  const hasMore = await events.hasAfter(jobId, lastId);
  res.end(`],"last_id":${lastId},"has_more":${hasMore},"done":${terminal && !hasMore}}`);
}
