// The durable log of every job's events. Appending numbers the event and queues it for the database; queued
// events are written in one transaction at most `flushMs` later, so a token stream does not cost one SQLite
// transaction per token. Only then are they handed to the hub (live subscribers): an id a client has seen is
// always stored, so a crash cannot lose it and let the next server give it to another event. A job someone is
// watching is flushed at the end of the current event-loop turn instead, so its readers wait for one small
// transaction, not for the batch window. Readers see the database rows; what is still queued reaches them
// through the hub, so history never has a gap.
import type { Sqlite } from "../store/database";
import type { EventHub } from "./hub";
import { makeEvent, type EventName, type JobEvent } from "./job-event";
import { log } from "../log";

/** A stored event as a page of history gives it: `data` is absent when it is long (read it in slices). */
export interface StoredEvent {
  seq: number;
  event: EventName;
  createdAt: number;
  /** Length of the data in characters. */
  length: number;
  data?: string;
}

interface PageRow {
  seq: number;
  event: EventName;
  created_at: number;
  length: number;
  data: string | null;
}

export class EventLog {
  /** Next sequence number of jobs that are appending now (running ones); others are read from the table. */
  private readonly nextSeq = new Map<string, number>();
  private pending: JobEvent[] = [];
  /** Stored, not yet handed to the hub (inside a transaction: until it has committed). */
  private unpublished: JobEvent[] = [];
  private publishQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly q;

  constructor(
    private readonly db: Sqlite,
    private readonly hub: EventHub,
    private readonly flushMs = 50,
  ) {
    this.q = {
      insert: db.prepare("INSERT INTO job_events (job_id, seq, event, data, created_at) VALUES (?, ?, ?, ?, ?)"),
      lastRow: db.prepare("SELECT seq, event FROM job_events WHERE job_id = ? ORDER BY seq DESC LIMIT 1"),
      after: db.prepare("SELECT seq, event, data, created_at FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq"),
      // A page of history with each event's length, its data only when short (long ones are read in slices).
      page: db.prepare(`SELECT seq, event, created_at, length(data) AS length, CASE WHEN length(data) > ? THEN NULL ELSE data END AS data
                        FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?`),
      slice: db.prepare("SELECT substr(data, ?, ?) FROM job_events WHERE job_id = ? AND seq = ?").pluck(),
      hasAfter: db.prepare("SELECT 1 FROM job_events WHERE job_id = ? AND seq > ? LIMIT 1").pluck(),
    };
  }

  /**
   * Records an event. `keepCounter` keeps the job's numbering in memory (for jobs that will append more soon).
   * A job's `result` is its last event: anything appended after it is dropped (and undefined returned).
   */
  append(jobId: string, event: EventName, payload: object, keepCounter = true): JobEvent | undefined {
    const seq = this.allocate(jobId);
    if (seq === undefined) {
      log("warn", "event after the job's result dropped", { job_id: jobId, event });
      return undefined;
    }
    if (!keepCounter || event === "result") this.nextSeq.delete(jobId);
    return this.record(makeEvent(jobId, seq, event, payload));
  }

  /** The first event of a job just created: number 1, with nothing to look up. */
  appendFirst(jobId: string, event: EventName, payload: object): JobEvent {
    return this.record(makeEvent(jobId, 1, event, payload));
  }

  private record(ev: JobEvent): JobEvent {
    this.pending.push(ev);
    if (this.hub.watched(ev.jobId)) this.immediate ??= setImmediate(() => this.flush());
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
    return ev;
  }

  /** The job's next number, or undefined once its log is closed by a `result`. */
  private allocate(jobId: string): number | undefined {
    let next = this.nextSeq.get(jobId);
    if (next === undefined) {
      // A result drops the job's counter (above), so whatever comes after it is looked up here.
      this.flush(); // so the table holds every number already given out
      const last = this.q.lastRow.get(jobId) as { seq: number; event: EventName } | undefined;
      if (last?.event === "result") return undefined;
      next = (last?.seq ?? 0) + 1;
    }
    this.nextSeq.set(jobId, next + 1);
    return next;
  }

  /** Writes queued events now, then publishes them. Safe to call inside a transaction. */
  flush(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const write = (ev: JobEvent) => this.q.insert.run(ev.jobId, ev.seq, ev.event, ev.data, ev.createdAt);
    try {
      this.db.transaction(() => batch.forEach(write))();
      this.unpublished.push(...batch);
    } catch {
      // One bad row (its job deleted meanwhile) must not lose the others.
      for (const ev of batch) {
        try {
          write(ev);
          this.unpublished.push(ev);
        } catch (err) {
          log("warn", "event not stored", { job_id: ev.jobId, seq: ev.seq, error: (err as Error).message });
        }
      }
    }
    this.publish();
  }

  /** Hands stored events to the hub, in order: now, or once the enclosing transaction has committed. */
  private publish(): void {
    if (this.db.inTransaction) {
      // Transactions are synchronous: by the time a microtask runs, this one has committed.
      if (!this.publishQueued) {
        this.publishQueued = true;
        queueMicrotask(() => {
          this.publishQueued = false;
          this.publish();
        });
      }
      return;
    }
    const batch = this.unpublished;
    this.unpublished = [];
    for (const ev of batch) this.hub.publish(ev);
  }

  /**
   * The next stored events of a job after `after`, at most `rows`, and no more after `chars` characters of data
   * (at least one). An event longer than `inlineChars` comes without its data: read it with dataSlice().
   */
  historyPage(jobId: string, after: number, rows: number, chars: number, inlineChars: number): StoredEvent[] {
    const page: StoredEvent[] = [];
    let total = 0;
    for (const r of this.q.page.iterate(inlineChars, jobId, after, rows) as Iterable<PageRow>) {
      page.push({ seq: r.seq, event: r.event, createdAt: r.created_at, length: r.length, data: r.data ?? undefined });
      total += r.data?.length ?? 0;
      if (total >= chars) break;
    }
    return page;
  }

  /**
   * Every stored event of a job after `after`, whole and in memory: only for a reader that joins a job it has
   * just created (a compatible API's answer), whose history is a line or two. Streams to clients page instead.
   */
  history(jobId: string, after: number): JobEvent[] {
    const rows = this.q.after.all(jobId, after) as { seq: number; event: EventName; data: string; created_at: number }[];
    return rows.map((r) => ({ jobId, seq: r.seq, event: r.event, data: r.data, createdAt: r.created_at }));
  }

  /** `count` characters of a stored event's data from `start` (1-based); undefined once it is gone. */
  dataSlice(jobId: string, seq: number, start: number, count: number): string | undefined {
    return (this.q.slice.get(start, count, jobId, seq) as string | null | undefined) ?? undefined;
  }

  /** Whether any event of the job is stored after `after`. */
  hasAfter(jobId: string, after: number): boolean {
    return this.q.hasAfter.get(jobId, after) !== undefined;
  }

  /** Whether the job's stored log is closed by a `result` event (always its last one; never left queued). */
  hasResult(jobId: string): boolean {
    return (this.q.lastRow.get(jobId) as { event: EventName } | undefined)?.event === "result";
  }

  /** Drops what is queued for a job about to be deleted (its rows go with it). */
  forget(jobId: string): void {
    this.nextSeq.delete(jobId);
    this.pending = this.pending.filter((ev) => ev.jobId !== jobId);
  }

  close(): void {
    this.flush();
  }
}
