// The durable log of every job's events. Appending numbers the event and queues it for the database; queued
// events are written in one transaction at most `flushMs` later, so a token stream does not cost one
// transaction per token. Only then are they handed to the hub (live subscribers): an id a client has seen is
// always stored, so a crash cannot lose it and let the next run give it to another event. A job someone here
// is watching is flushed at the end of the current event-loop turn instead. Readers see the database rows; what
// is still queued reaches them through the hub, so history never has a gap.
//
// Numbering: the instance running a job keeps its next number in memory (seeded by the claim from the stored
// rows); any other writer (a cancel, recovery) reads the last stored number in its transaction. A row that
// collides (its job deleted, or ended by another instance meanwhile) is dropped alone.
import type { Sql } from "../store/sql/sql";
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

/** Tells other instances that events were stored (PostgreSQL NOTIFY), inside the transaction that stored them. */
export type Announce = (tx: Sql, events: readonly JobEvent[]) => Promise<void>;

/** Rows per INSERT statement: a dense token stream is thousands of events a second, one round trip each is too slow. */
const ROWS_PER_INSERT = 200;

/** Inserts events, many rows per statement. */
async function insertEvents(sql: Sql, events: readonly JobEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += ROWS_PER_INSERT) {
    const rows = events.slice(i, i + ROWS_PER_INSERT);
    await sql.run(
      `INSERT INTO job_events (job_id, seq, event, data, created_at) VALUES ${rows.map(() => "(?, ?, ?, ?, ?)").join(", ")}`,
      rows.flatMap((ev) => [ev.jobId, ev.seq, ev.event, ev.data, ev.createdAt]),
    );
  }
}

/** How many times a batch is written again while the database is away (about a minute with the backoff). */
const MAX_RETRIES = 15;

/** An error of one row (a constraint: its job deleted, or ended elsewhere), not of the database being away. */
function isRowError(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? "");
  return code.startsWith("SQLITE_CONSTRAINT") || code.startsWith("23");
}

export class EventLog {
  /** Next sequence number of jobs that are appending now (running ones); others are read from the table. */
  private readonly nextSeq = new Map<string, number>();
  /** Appends waiting for a job's last stored number, per job, in order. */
  private readonly lookups = new Map<string, Promise<void>>();
  private pending: JobEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** The flush in progress: flushes run one after another, so events are published in order. */
  private flushing: Promise<void> = Promise.resolve();
  /** Failed writes of the batch now waiting to be written again (the database was away). */
  private retries = 0;
  /** Jobs that other instances' clients watch, until when (epoch ms). */
  private readonly remoteWatch = new Map<string, number>();

  constructor(
    private readonly sql: Sql,
    private readonly hub: EventHub,
    private readonly flushMs = 50,
    private readonly announce?: Announce,
  ) {}

  /** The job was just claimed here: its next event follows `lastSeq`. */
  seed(jobId: string, lastSeq: number): void {
    this.nextSeq.set(jobId, lastSeq + 1);
  }

  /**
   * Records an event. `keepCounter` keeps the job's numbering in memory (for jobs that will append more soon).
   * A job's `result` is its last event: anything appended after it is dropped.
   */
  append(jobId: string, event: EventName, payload: object, keepCounter = true): void {
    const next = this.lookups.has(jobId) ? undefined : this.nextSeq.get(jobId);
    if (next === undefined) return this.appendLater(jobId, event, payload, keepCounter);
    this.nextSeq.set(jobId, next + 1);
    if (!keepCounter || event === "result") this.nextSeq.delete(jobId);
    this.record(makeEvent(jobId, next, event, payload));
  }

  /** An append to a job without a counter here: numbered after its last stored event, in the order appended. */
  private appendLater(jobId: string, event: EventName, payload: object, keepCounter: boolean): void {
    const createdAt = Date.now();
    const before = this.lookups.get(jobId) ?? Promise.resolve();
    const step = before
      .then(async () => {
        let next = this.nextSeq.get(jobId);
        if (next === undefined) {
          await this.flush(); // so the table holds every number already given out
          const last = await this.sql.get<{ seq: number; event: EventName }>(
            "SELECT seq, event FROM job_events WHERE job_id = ? ORDER BY seq DESC LIMIT 1",
            [jobId],
          );
          if (last?.event === "result") {
            log("warn", "event after the job's result dropped", { job_id: jobId, event });
            return;
          }
          next = (last?.seq ?? 0) + 1;
        }
        this.nextSeq.set(jobId, next + 1);
        if (!keepCounter || event === "result") this.nextSeq.delete(jobId);
        this.record(makeEvent(jobId, next, event, payload, createdAt));
      })
      .catch((err: unknown) => log("warn", "event not stored", { job_id: jobId, event, error: (err as Error).message }))
      .finally(() => {
        if (this.lookups.get(jobId) === step) this.lookups.delete(jobId);
      });
    this.lookups.set(jobId, step);
  }

  /**
   * The first event of a job being created, written in its insert transaction `tx` (published by the caller).
   * Not announced: no stream can be open on the job before its insert commits, and one opened after reads it.
   */
  async writeFirst(tx: Sql, jobId: string, event: EventName, payload: object): Promise<JobEvent> {
    const ev = makeEvent(jobId, 1, event, payload);
    await insertEvents(tx, [ev]);
    return ev;
  }

  /**
   * Writes, inside transaction `tx`, the job's queued events and then its `result` (numbered after them, or
   * after the stored ones), and closes its log. Returns what to publish once `tx` has committed.
   */
  async writeResult(tx: Sql, jobId: string, payload: object): Promise<JobEvent[]> {
    this.remoteWatch.delete(jobId);
    const mine = this.pending.filter((ev) => ev.jobId === jobId);
    this.pending = this.pending.filter((ev) => ev.jobId !== jobId);
    let next = this.nextSeq.get(jobId);
    this.nextSeq.delete(jobId);
    if (next === undefined) {
      next = ((await tx.value<number | null>("SELECT MAX(seq) FROM job_events WHERE job_id = ?", [jobId])) ?? 0) + 1;
      for (const ev of mine) if (ev.seq >= next) next = ev.seq + 1;
    }
    const events = [...mine, makeEvent(jobId, next, "result", payload)];
    await insertEvents(tx, events);
    await this.announce?.(tx, events);
    return events;
  }

  /** Waits until every event appended to the job so far is numbered and stored (call outside a transaction). */
  async settle(jobId: string): Promise<void> {
    await this.lookups.get(jobId);
    await this.flush();
  }

  /** Hands events stored by a committed transaction to the hub. */
  publish(events: readonly JobEvent[]): void {
    for (const ev of events) this.hub.publish(ev);
  }

  /** Another instance's clients watch the job until `until` (epoch ms): its events are stored at once, as if watched here. */
  watchedElsewhere(jobId: string, until: number, now = Date.now()): void {
    // Every instance hears every announcement, also of jobs it never runs: expired ones are swept as they pile up.
    if (this.remoteWatch.size >= 1000) for (const [id, t] of this.remoteWatch) if (t <= now) this.remoteWatch.delete(id);
    this.remoteWatch.set(jobId, until);
  }

  private watched(jobId: string): boolean {
    if (this.hub.watched(jobId)) return true;
    const until = this.remoteWatch.get(jobId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.remoteWatch.delete(jobId);
    return false;
  }

  private record(ev: JobEvent): void {
    this.pending.push(ev);
    if (ev.event === "result") this.remoteWatch.delete(ev.jobId);
    if (this.watched(ev.jobId)) this.immediate ??= setImmediate(() => void this.flush());
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** Writes queued events now, then publishes them; resolves once they are stored and published. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  private async write(batch: JobEvent[]): Promise<void> {
    let stored: JobEvent[];
    try {
      await this.sql.transaction(async (tx) => {
        await insertEvents(tx, batch);
        await this.announce?.(tx, batch);
      });
      stored = batch;
      this.retries = 0;
    } catch (err) {
      if (!isRowError(err) && this.retries < MAX_RETRIES) {
        // The database is away (a restart, a lost connection): the batch waits and is written again, in order,
        // before anything appended since; nothing of it has been published, so no reader saw a gap.
        this.retries++;
        this.pending = [...batch, ...this.pending];
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.flush(), Math.min(250 * 2 ** this.retries, 5_000));
        log("warn", "events not stored yet; retrying", { events: batch.length, error: (err as Error).message, retry: this.retries });
        return;
      }
      // One bad row (its job deleted, or ended elsewhere meanwhile) must not lose the others.
      stored = [];
      for (const ev of batch) {
        try {
          await this.sql.transaction(async (tx) => {
            await insertEvents(tx, [ev]);
            await this.announce?.(tx, [ev]);
          });
          stored.push(ev);
        } catch (err) {
          log("warn", "event not stored", { job_id: ev.jobId, seq: ev.seq, error: (err as Error).message });
        }
      }
    }
    this.publish(stored);
  }

  /**
   * The next stored events of a job after `after`, at most `rows`, and no more after `chars` characters of data
   * (at least one). An event longer than `inlineChars` comes without its data: read it with dataSlice().
   */
  async historyPage(jobId: string, after: number, rows: number, chars: number, inlineChars: number): Promise<StoredEvent[]> {
    const found = await this.sql.all<PageRow>(
      `SELECT seq, event, created_at, length(data) AS length, CASE WHEN length(data) > ? THEN NULL ELSE data END AS data
       FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      [inlineChars, jobId, after, rows],
    );
    const page: StoredEvent[] = [];
    let total = 0;
    for (const r of found) {
      page.push({ seq: r.seq, event: r.event, createdAt: r.created_at, length: r.length, data: r.data ?? undefined });
      total += r.data?.length ?? 0;
      if (total >= chars) break;
    }
    return page;
  }

  /**
   * Every stored event of a job after `after`, whole and in memory: only for a reader that joins a job it has
   * just created (a compatible API's answer), whose history is a line or two, and for the cross-instance
   * listener, which reads what a notification announced. Streams to clients page instead.
   */
  async history(jobId: string, after: number, limit = 1000): Promise<JobEvent[]> {
    const rows = await this.sql.all<{ seq: number; event: EventName; data: string; created_at: number }>(
      "SELECT seq, event, data, created_at FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      [jobId, after, limit],
    );
    return rows.map((r) => ({ jobId, seq: r.seq, event: r.event, data: r.data, createdAt: r.created_at }));
  }

  /** `count` characters of a stored event's data from `start` (1-based); undefined once it is gone. */
  async dataSlice(jobId: string, seq: number, start: number, count: number): Promise<string | undefined> {
    return (await this.sql.value<string | null>("SELECT substr(data, ?, ?) FROM job_events WHERE job_id = ? AND seq = ?", [start, count, jobId, seq])) ?? undefined;
  }

  /** Whether any event of the job is stored after `after`. */
  async hasAfter(jobId: string, after: number): Promise<boolean> {
    return (await this.sql.value("SELECT 1 FROM job_events WHERE job_id = ? AND seq > ? LIMIT 1", [jobId, after])) !== undefined;
  }

  /** Whether the job's stored log is closed by a `result` event (always its last one; never left queued). */
  async hasResult(jobId: string): Promise<boolean> {
    const last = await this.sql.value<string>("SELECT event FROM job_events WHERE job_id = ? ORDER BY seq DESC LIMIT 1", [jobId]);
    return last === "result";
  }

  /** Drops what is queued for a job about to be deleted (its rows go with it). */
  forget(jobId: string): void {
    this.nextSeq.delete(jobId);
    this.pending = this.pending.filter((ev) => ev.jobId !== jobId);
  }

  close(): Promise<void> {
    return this.flush();
  }
}
