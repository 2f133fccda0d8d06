// The durable log of every job's events. Appending numbers the event, hands it to the hub at once (live
// subscribers see it immediately) and queues it for the database; queued events are written in one
// transaction at most `flushMs` later, so a token stream does not cost one SQLite transaction per token.
// Readers see the database rows plus what is still queued, so history never has a gap.
import type { Sqlite } from "../store/database";
import type { EventHub } from "./hub";
import { makeEvent, type EventName, type JobEvent } from "./job-event";
import { log } from "../log";

export class EventLog {
  /** Next sequence number of jobs that are appending now (running ones); others are read from the table. */
  private readonly nextSeq = new Map<string, number>();
  private pending: JobEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly q;

  constructor(
    private readonly db: Sqlite,
    private readonly hub: EventHub,
    private readonly flushMs = 50,
  ) {
    this.q = {
      insert: db.prepare("INSERT INTO job_events (job_id, seq, event, data, created_at) VALUES (?, ?, ?, ?, ?)"),
      maxSeq: db.prepare("SELECT MAX(seq) FROM job_events WHERE job_id = ?").pluck(),
      after: db.prepare("SELECT seq, event, data, created_at FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?"),
      lastEvent: db.prepare("SELECT event FROM job_events WHERE job_id = ? ORDER BY seq DESC LIMIT 1").pluck(),
    };
  }

  /** Records an event. `keepCounter` keeps the job's numbering in memory (for jobs that will append more soon). */
  append(jobId: string, event: EventName, payload: object, keepCounter = true): JobEvent {
    const seq = this.allocate(jobId);
    if (!keepCounter || event === "result") this.nextSeq.delete(jobId);
    return this.record(makeEvent(jobId, seq, event, payload));
  }

  /** The first event of a job just created: number 1, with nothing to look up. */
  appendFirst(jobId: string, event: EventName, payload: object): JobEvent {
    return this.record(makeEvent(jobId, 1, event, payload));
  }

  private record(ev: JobEvent): JobEvent {
    this.pending.push(ev);
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
    this.hub.publish(ev);
    return ev;
  }

  private allocate(jobId: string): number {
    let next = this.nextSeq.get(jobId);
    if (next === undefined) {
      this.flush(); // so the table holds every number already given out
      next = ((this.q.maxSeq.get(jobId) as number | null) ?? 0) + 1;
    }
    this.nextSeq.set(jobId, next + 1);
    return next;
  }

  /** Writes queued events now. Safe to call inside a transaction. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const write = (ev: JobEvent) => this.q.insert.run(ev.jobId, ev.seq, ev.event, ev.data, ev.createdAt);
    try {
      this.db.transaction(() => batch.forEach(write))();
    } catch {
      // One bad row (its job deleted meanwhile) must not lose the others.
      for (const ev of batch) {
        try {
          write(ev);
        } catch (err) {
          log("warn", "event not stored", { job_id: ev.jobId, seq: ev.seq, error: (err as Error).message });
        }
      }
    }
  }

  /** Events of a job after `after`, in order: stored ones, then those still queued. */
  history(jobId: string, after: number, limit = Number.MAX_SAFE_INTEGER): JobEvent[] {
    const rows = this.q.after.all(jobId, after, limit) as { seq: number; event: EventName; data: string; created_at: number }[];
    const events: JobEvent[] = rows.map((r) => ({ jobId, seq: r.seq, event: r.event, data: r.data, createdAt: r.created_at }));
    let last = events.at(-1)?.seq ?? after;
    for (const ev of this.pending) {
      if (events.length >= limit) break;
      if (ev.jobId === jobId && ev.seq > last) {
        events.push(ev);
        last = ev.seq;
      }
    }
    return events;
  }

  /** Whether the job's log is closed by a `result` event (always its last one). */
  hasResult(jobId: string): boolean {
    return this.q.lastEvent.get(jobId) === "result" || this.pending.some((ev) => ev.jobId === jobId && ev.event === "result");
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
