// Every change a job's row can undergo, one method each. The jobs table is the queue: a job waits as a
// `queued` row, is claimed by an atomic UPDATE, and every later transition is a compare-and-set on the status
// (and attempt) it expects, so a late writer can never overwrite a state it did not see.
import type { Sqlite } from "./database";
import { rowToJob, type JobRow } from "./job-row";
import { reclaimSpace } from "./reclaim-space";
import type { ErrorCode, Job, JobStatus, ResponseFormat, RunStats, WebhookEvent } from "../job/job";
import type { Model } from "../config/schema";
import type { LifeSpan } from "../health/timeline";
import { SessionStore } from "./session-store";
import type { AgentOptions } from "../job/agent-options";

export { rowToJob, type JobRow } from "./job-row";

export interface NewJob {
  id: string;
  prompt: string;
  systemPrompt: string;
  model: Model;
  callbackUrl: string;
  webhookEvents: WebhookEvent[];
  metadata: string | undefined;
  responseFormat: ResponseFormat;
  jsonSchema?: string;
  timeoutSeconds: number | undefined;
  requestId: string;
  createdAt: number;
  /** The tenant key's id; '' for an operator key. */
  owner: string;
  /** The session the job is a turn of (created before, in the same transaction). */
  sessionId: string;
  fork: boolean;
  options?: AgentOptions;
}

export interface Finish {
  status: "completed" | "failed" | "cancelled";
  result: string;
  error: string;
  errorCode: ErrorCode | "";
  stats?: RunStats;
}

/** A run that ended on the account's usage or rate limit: not the job's fault, so it is not a finish. */
export interface LimitHit {
  message: string;
  /** When the CLI said the limit resets (epoch ms), if it said. */
  resetAt?: number;
}

export class JobStore {
  private readonly q;
  /** The sessions the jobs are turns of: same database, and the claim marks them. */
  readonly sessions: SessionStore;

  constructor(private readonly db: Sqlite) {
    this.sessions = new SessionStore(db);
    const p = (sql: string) => db.prepare(sql);
    this.q = {
      // The queue cap is checked in the same statement as the insert, so a refused submit leaves no row.
      insert: p(`INSERT INTO jobs (id, prompt, system_prompt, model, status, callback_url, webhook_events, metadata,
                   response_format, json_schema, timeout_seconds, request_id, created_at, owner, session_id, fork, options)
                 SELECT @id, @prompt, @systemPrompt, @model, 'queued', @callbackUrl, @webhookEvents, @metadata,
                   @responseFormat, @jsonSchema, @timeoutSeconds, @requestId, @createdAt, @owner, @sessionId, @fork, @options
                 WHERE (SELECT n FROM job_counts WHERE status = 'queued') < @queueSize
                   AND (@maxQueued IS NULL
                        OR COALESCE((SELECT queued FROM owner_queue WHERE owner = @owner), 0) < @maxQueued)`),
      queueFull: p(`SELECT (SELECT n FROM job_counts WHERE status = 'queued') >= ?`).pluck(),
      get: p(`SELECT * FROM jobs WHERE id = ?`),
      // Fair across owners: the waiting owner served longest ago (never served: the first to arrive), not held
      // back by its policy, gets a turn; within an owner, first in first out, skipping the turns of sessions
      // whose previous turn still runs (one CLI per session at a time; the next turn waits its turn in order),
      // and a fork's first turn while its parent's runs (it branches from the parent's transcript once stored).
      // Its oldest job is found by walking the queue in order (jobs_status_seq), which stops at once unless other
      // owners' backlogs are ahead of it: a claim may read the queue once, a submit stays one index insert
      // lighter than an owner index costs. An owner whose every waiting job is such a turn is skipped by the
      // caller (claimNext), which then asks for the next owner.
      pickOwner: p(`SELECT o.owner FROM owner_queue o
                    WHERE o.queued > 0 AND o.owner NOT IN (SELECT value FROM json_each(@held))
                    ORDER BY o.served, o.arrived LIMIT 1`).pluck(),
      claimOf: p(`UPDATE jobs SET status = 'processing', started_at = @now, attempts = attempts + 1, retrying = NULL
                  WHERE seq = (
                    SELECT j.seq FROM jobs j
                    WHERE j.status = 'queued' AND j.owner = @owner
                      AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.running_job IS NOT NULL AND (s.id = j.session_id
                        OR (j.fork = 1 AND s.id = (SELECT parent_id FROM sessions WHERE id = j.session_id))))
                    ORDER BY j.seq LIMIT 1)
                  RETURNING *`),
      sessionRunning: p(`UPDATE sessions SET running_job = @job WHERE id = @session`),
      served: p(`UPDATE owner_queue SET served = (SELECT MAX(served) FROM owner_queue) + 1 WHERE owner = ?`),
      waitingOwners: p(`SELECT owner, running FROM owner_queue WHERE queued > 0`),
      finish: p(`UPDATE jobs SET status = @status, result = @result, error = @error, error_code = @errorCode,
                   stats = @stats, completed_at = @now, retrying = NULL
                 WHERE id = @id AND status = 'processing' AND attempts = @attempts
                 RETURNING *`),
      cancel: p(`UPDATE jobs SET status = 'cancelled', error = 'job cancelled by user', error_code = 'cancelled',
                   completed_at = @now, retrying = NULL
                 WHERE id = @id AND status IN ('queued', 'processing')
                 RETURNING *`),
      setRetrying: p(`UPDATE jobs SET retrying = @retrying WHERE id = @id AND status = 'processing' AND attempts = @attempts`),
      requeueRun: p(`UPDATE jobs SET status = 'queued', started_at = NULL, attempts = attempts - 1, retrying = NULL
                     WHERE id = @id AND status = 'processing' AND attempts = @attempts`),
      delete: p(`DELETE FROM jobs WHERE id = ?`),
      recoverRequeue: p(`UPDATE jobs SET status = 'queued', started_at = NULL, retrying = NULL
                         WHERE status = 'processing' AND attempts < @maxAttempts
                         RETURNING id, request_id, attempts`),
      recoverFail: p(`UPDATE jobs SET status = 'failed', error_code = 'interrupted', completed_at = @now, retrying = NULL,
                        error = 'job interrupted ' || attempts || ' times by a server stop; giving up'
                      WHERE status = 'processing' AND attempts >= @maxAttempts
                      RETURNING *`),
      deleteExpired: p(`DELETE FROM jobs WHERE status IN ('completed', 'failed', 'cancelled')
                          AND completed_at IS NOT NULL AND completed_at < ?`),
      countByStatus: p(`SELECT status, n FROM job_counts`),
      countAll: p(`SELECT SUM(n) FROM job_counts`).pluck(),
      lifeSpans: p(`SELECT status, created_at, started_at, completed_at FROM jobs WHERE status IN ('queued', 'processing')
                    UNION ALL
                    SELECT status, created_at, started_at, completed_at FROM jobs
                    WHERE status IN ('completed', 'failed', 'cancelled') AND completed_at >= ?`),
      // `owner != ''` lets SQLite use the partial index jobs_owner_created (only tenants' jobs are in it).
      countOwner: p(`SELECT COUNT(*) FROM jobs WHERE owner = ? AND owner != ''`).pluck(),
      countOwnerStatus: p(`SELECT COUNT(*) FROM jobs WHERE owner = ? AND owner != '' AND status = ?`).pluck(),
      queuedOf: p(`SELECT id FROM jobs WHERE owner = ? AND owner != '' AND status = 'queued' ORDER BY seq`).pluck(),
      ping: p(`SELECT 1`),
    };
  }

  /**
   * Inserts a queued job; or refuses it, leaving no row, when `queueSize` jobs are already waiting
   * (`queue_full`) or its owner has `maxQueued` waiting (`key_queue_full`).
   */
  insert(job: NewJob, queueSize: number, maxQueued?: number): undefined | "queue_full" | "key_queue_full" {
    const inserted = this.q.insert.run({
      ...job,
      webhookEvents: JSON.stringify(job.webhookEvents),
      metadata: job.metadata ?? null,
      jsonSchema: job.jsonSchema ?? null,
      timeoutSeconds: job.timeoutSeconds ?? null,
      fork: job.fork ? 1 : 0,
      options: job.options ? JSON.stringify(job.options) : null,
      queueSize,
      maxQueued: maxQueued ?? null,
    }).changes === 1;
    if (inserted) return undefined;
    return this.q.queueFull.get(queueSize) ? "queue_full" : "key_queue_full";
  }

  get(id: string): Job | undefined {
    const row = this.q.get.get(id) as JobRow | undefined;
    return row && rowToJob(row);
  }

  /**
   * The ids of a page of the job list, newest first (the list response reads each job as it writes it);
   * `owner` restricts it to one tenant's (undefined: everyone's).
   */
  listIds(opts: { limit: number; offset: number; status?: JobStatus; owner?: string }): { ids: string[]; total: number } {
    const where: string[] = [];
    const args: string[] = [];
    // `owner != ''` lets SQLite use the partial index jobs_owner_created (only tenants' jobs are in it).
    if (opts.owner !== undefined) where.push("owner = ? AND owner != ''"), args.push(opts.owner);
    if (opts.status) where.push("status = ?"), args.push(opts.status);
    const ids = this.db
      .prepare(`SELECT id FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?`)
      .pluck()
      .all(...args, opts.limit, opts.offset) as string[];
    return { ids, total: this.listTotal(opts) };
  }

  private listTotal(opts: { status?: JobStatus; owner?: string }): number {
    if (opts.owner !== undefined) {
      return (opts.status ? this.q.countOwnerStatus.get(opts.owner, opts.status) : this.q.countOwner.get(opts.owner)) as number;
    }
    return opts.status ? this.countByStatus()[opts.status] : ((this.q.countAll.get() as number | null) ?? 0);
  }

  /** Ids of one owner's queued jobs, oldest first. */
  queuedOf(owner: string): string[] {
    return this.q.queuedOf.all(owner) as string[];
  }

  /**
   * Atomically moves the next queued job to `processing` and counts the attempt: round robin between the
   * owners with waiting jobs, except the `held` ones (at their max_running or out of budget), FIFO within one,
   * never a turn of a session whose run is alive; marks the job's session as running it.
   */
  claimNext(now = Date.now(), held: readonly string[] = []): Job | undefined {
    return this.db.transaction(() => {
      const skipped = [...held];
      for (;;) {
        const owner = this.q.pickOwner.get({ held: JSON.stringify(skipped) }) as string | undefined;
        if (owner === undefined) return undefined;
        const row = this.q.claimOf.get({ now, owner }) as JobRow | undefined;
        if (!row) {
          skipped.push(owner); // every waiting job of this owner is a turn of a session that is running
          continue;
        }
        this.q.served.run(row.owner);
        this.q.sessionRunning.run({ job: row.id, session: row.session_id });
        return rowToJob(row);
      }
    })();
  }

  /** Owners with queued jobs, and how many of theirs run. */
  waitingOwners(): { owner: string; running: number }[] {
    return this.q.waitingOwners.all() as { owner: string; running: number }[];
  }

  /** Ends the run `attempts` of a processing job; undefined if the job moved on meanwhile (cancelled, deleted). */
  finish(id: string, attempts: number, f: Finish, now = Date.now()): Job | undefined {
    const row = this.q.finish.get({
      id,
      attempts,
      status: f.status,
      result: f.result,
      error: f.error,
      errorCode: f.errorCode,
      stats: f.stats && Object.keys(f.stats).length ? JSON.stringify(f.stats) : null,
      now,
    }) as JobRow | undefined;
    return row && rowToJob(row);
  }

  /** Cancels a queued or processing job; undefined when it is unknown or already terminal. */
  cancel(id: string, now = Date.now()): Job | undefined {
    const row = this.q.cancel.get({ id, now }) as JobRow | undefined;
    return row && rowToJob(row);
  }

  /** Records the CLI's latest retry report on the job of run `attempts`. */
  setRetrying(id: string, attempts: number, retrying: object): void {
    this.q.setRetrying.run({ id, attempts, retrying: JSON.stringify(retrying) });
  }

  /** Puts a run that we stopped ourselves (graceful shutdown) back in the queue without spending its attempt. */
  requeueRun(id: string, attempts: number): boolean {
    return this.q.requeueRun.run({ id, attempts }).changes === 1;
  }

  /** Deletes a job with everything of it (events, webhook deliveries, idempotency records: see the migrations). */
  delete(id: string): boolean {
    const deleted = this.q.delete.run(id).changes === 1;
    if (deleted) reclaimSpace(this.db);
    return deleted;
  }

  /**
   * Start-up recovery: a `processing` row means the last server died mid-run. It goes back to the queue, or
   * fails `interrupted` once it has used its attempts; the jobs failed so are returned, for their `result`
   * event and webhook (call it inside the transaction that writes those).
   */
  recoverInterrupted(maxAttempts: number, now = Date.now()): { requeued: Pick<Job, "id" | "requestId" | "attempts">[]; failed: Job[] } {
    return this.db.transaction(() => {
      const failed = (this.q.recoverFail.all({ maxAttempts, now }) as JobRow[]).map(rowToJob);
      const rows = this.q.recoverRequeue.all({ maxAttempts }) as { id: string; request_id: string; attempts: number }[];
      const requeued = rows.map((r) => ({ id: r.id, requestId: r.request_id, attempts: r.attempts }));
      return { requeued, failed };
    })();
  }

  /** The TTL cleanup: deletes jobs that ended before `cutoff`, with everything of them, as `delete` does. */
  deleteTerminalBefore(cutoff: number): number {
    const n = this.q.deleteExpired.run(cutoff).changes;
    if (n > 0) reclaimSpace(this.db);
    return n;
  }

  countByStatus(): Record<JobStatus, number> {
    const counts: Record<JobStatus, number> = { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const r of this.q.countByStatus.all() as { status: JobStatus; n: number }[]) counts[r.status] = r.n;
    return counts;
  }

  /** The times of every job that is waiting, running, or ended at `since` or later (the status timeline). */
  lifeSpansSince(since: number): LifeSpan[] {
    const rows = this.q.lifeSpans.all(since) as { status: JobStatus; created_at: number; started_at: number | null; completed_at: number | null }[];
    return rows.map((r) => ({ status: r.status, createdAt: r.created_at, startedAt: r.started_at, completedAt: r.completed_at }));
  }

  /** Runs `fn` in one database transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  ping(): void {
    this.q.ping.get();
  }
}
