// Every change a job's row can undergo, one method each. The jobs table is the queue: a job waits as a
// `queued` row, is claimed by an atomic UPDATE, and every later transition is a compare-and-set on the status
// (and attempt) it expects, so a late writer can never overwrite a state it did not see. Written once for both
// engines (runtime/store/sql); a running job holds a lease (owner instance, expiry) that its instance renews.
import type { Sql } from "./sql/sql";
import { clockMs } from "./sql/dialect";
import { rowToJob, type JobRow } from "./job-row";
import { claimIn, TurnTaken, type ClaimLimits, type Claimant, type Claimed } from "./job-claim";
import type { Job, JobStatus } from "../job/job";
import type { NewJob } from "../job/new-job";
import type { Finish } from "../job/run-outcome";
import type { LifeSpan } from "../health/timeline";
import { SessionStore } from "./session-store";

export type { ClaimLimits, Claimant, Claimed } from "./job-claim";

const TERMINAL_SQL = `('completed', 'failed', 'cancelled')`;

export class JobStore {
  /** The sessions the jobs are turns of: same database, and the claim marks them. */
  readonly sessions: SessionStore;

  constructor(
    readonly sql: Sql,
    /** Gives the space of deleted rows back to the file system (SQLite's incremental vacuum; nothing on PostgreSQL). */
    private readonly reclaim: () => void = () => {},
  ) {
    this.sessions = new SessionStore(sql, reclaim);
  }

  /** The same store inside transaction `tx`. */
  in(tx: Sql): JobStore {
    return new JobStore(tx, this.reclaim);
  }

  /** Runs `work` in one transaction, with the store bound to it. */
  transaction<T>(work: (store: JobStore) => Promise<T>): Promise<T> {
    return this.sql.transaction((tx) => work(this.in(tx)));
  }

  /**
   * Inserts a queued job and returns it as stored; or refuses it, leaving no row, when `queueSize` jobs are
   * already waiting (`queue_full`) or its owner has `maxQueued` waiting (`key_queue_full`). The cap is checked
   * in the same statement as the insert.
   */
  async insert(job: NewJob, queueSize: number, maxQueued?: number): Promise<Job | "queue_full" | "key_queue_full"> {
    if (this.sql.dialect === "postgres") {
      // Concurrent submits would each see the count before the others' inserts and all pass the cap: they take
      // the queued counter's row first (its trigger takes it at the insert anyway), and an owner with a cap its
      // own lock, so each sees the count of the ones before it.
      await this.sql.value(`SELECT n FROM job_counts WHERE status = 'queued' FOR UPDATE`);
      if (maxQueued !== undefined) await this.sql.value(`SELECT pg_advisory_xact_lock(hashtextextended(?, 1))`, [`owner_queue:${job.owner}`]);
    }
    const inserted = await this.sql.get<JobRow>(
      `INSERT INTO jobs (id, prompt, system_prompt, model, status, callback_url, webhook_events, metadata,
         response_format, json_schema, timeout_seconds, request_id, created_at, owner, session_id, fork, options)
       SELECT @id, @prompt, @systemPrompt, @model, 'queued', @callbackUrl, @webhookEvents, @metadata,
         @responseFormat, @jsonSchema, @timeoutSeconds, @requestId, @createdAt, @owner, @sessionId, @fork, @options
       WHERE (SELECT n FROM job_counts WHERE status = 'queued') < @queueSize
         AND (CAST(@maxQueued AS INTEGER) IS NULL
              OR COALESCE((SELECT queued FROM owner_queue WHERE owner = @owner), 0) < @maxQueued)
       RETURNING *`,
      {
        id: job.id,
        prompt: job.prompt,
        systemPrompt: job.systemPrompt,
        model: job.model,
        callbackUrl: job.callbackUrl,
        webhookEvents: JSON.stringify(job.webhookEvents),
        metadata: job.metadata ?? null,
        responseFormat: job.responseFormat,
        jsonSchema: job.jsonSchema ?? null,
        timeoutSeconds: job.timeoutSeconds ?? null,
        requestId: job.requestId,
        createdAt: job.createdAt,
        owner: job.owner,
        sessionId: job.sessionId,
        fork: job.fork ? 1 : 0,
        options: job.options ? JSON.stringify(job.options) : null,
        queueSize,
        maxQueued: maxQueued ?? null,
      },
    );
    if (inserted) return rowToJob(inserted);
    const full = await this.sql.value<number | boolean>(`SELECT (SELECT n FROM job_counts WHERE status = 'queued') >= ?`, [queueSize]);
    return full ? "queue_full" : "key_queue_full";
  }

  async get(id: string): Promise<Job | undefined> {
    const row = await this.sql.get<JobRow>(`SELECT * FROM jobs WHERE id = ?`, [id]);
    return row && rowToJob(row);
  }

  /** The job's owner ('' for an operator key's), or undefined when there is no such job: no large column is read. */
  ownerOf(id: string): Promise<string | undefined> {
    return this.sql.value<string>(`SELECT owner FROM jobs WHERE id = ?`, [id]);
  }

  /**
   * The ids of a page of the job list, newest first (the list response reads each job as it writes it);
   * `owner` restricts it to one tenant's (undefined: everyone's).
   */
  async listIds(opts: { limit: number; offset: number; status?: JobStatus; owner?: string }): Promise<{ ids: string[]; total: number }> {
    const where: string[] = [];
    const args: string[] = [];
    // `owner != ''` lets SQLite use the partial index jobs_owner_created (only tenants' jobs are in it).
    if (opts.owner !== undefined) where.push("owner = ? AND owner != ''"), args.push(opts.owner);
    if (opts.status) where.push("status = ?"), args.push(opts.status);
    const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const rows = await this.sql.all<{ id: string }>(
      `SELECT id FROM jobs ${filter} ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?`,
      [...args, opts.limit, opts.offset],
    );
    return { ids: rows.map((r) => r.id), total: await this.listTotal(opts, filter, args) };
  }

  private async listTotal(opts: { status?: JobStatus; owner?: string }, filter: string, args: string[]): Promise<number> {
    if (opts.owner !== undefined) return (await this.sql.value<number>(`SELECT COUNT(*) FROM jobs ${filter}`, args)) ?? 0;
    if (opts.status) return (await this.countByStatus())[opts.status];
    return (await this.sql.value<number | null>(`SELECT SUM(n) FROM job_counts`)) ?? 0;
  }

  /** Ids of one owner's queued jobs, oldest first. */
  async queuedOf(owner: string): Promise<string[]> {
    const rows = await this.sql.all<{ id: string }>(`SELECT id FROM jobs WHERE owner = ? AND owner != '' AND status = 'queued' ORDER BY seq`, [owner]);
    return rows.map((r) => r.id);
  }

  /**
   * Atomically moves the next queued job to `processing`, counts the attempt and gives it a lease: round robin
   * between the owners with waiting jobs, except the ones `limits` holds (out of budget, or at their
   * max_running, counted again in the claim), FIFO within one, never a turn of a session whose run is alive;
   * marks the job's session as running it.
   */
  async claimNext(claimant: Claimant, limits: ClaimLimits = {}, now = Date.now()): Promise<Claimed | undefined> {
    for (let race = 0; ; race++) {
      try {
        return await this.transaction((s) => claimIn(s.sql, claimant, limits, now));
      } catch (err) {
        if (!(err instanceof TurnTaken) || race >= 5) throw err;
      }
    }
  }

  /** Owners with queued jobs, and how many of theirs run. */
  waitingOwners(): Promise<{ owner: string; running: number }[]> {
    return this.sql.all<{ owner: string; running: number }>(`SELECT owner, running FROM owner_queue WHERE queued > 0`);
  }

  /** Ends the run `attempts` of a processing job; undefined if the job moved on meanwhile (cancelled, deleted, reclaimed). */
  async finish(id: string, attempts: number, f: Finish, now = Date.now()): Promise<Job | undefined> {
    const row = await this.sql.get<JobRow>(
      `UPDATE jobs SET status = @status, result = @result, error = @error, error_code = @errorCode,
         stats = @stats, completed_at = @now, retrying = NULL, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = @id AND status = 'processing' AND attempts = @attempts
       RETURNING *`,
      {
        id,
        attempts,
        status: f.status,
        result: f.result,
        error: f.error,
        errorCode: f.errorCode,
        stats: f.stats && Object.keys(f.stats).length ? JSON.stringify(f.stats) : null,
        now,
      },
    );
    return row && rowToJob(row);
  }

  /** Cancels a queued or processing job; undefined when it is unknown or already terminal. */
  async cancel(id: string, now = Date.now()): Promise<Job | undefined> {
    const row = await this.sql.get<JobRow>(
      `UPDATE jobs SET status = 'cancelled', error = 'job cancelled by user', error_code = 'cancelled',
         completed_at = @now, retrying = NULL, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = @id AND status IN ('queued', 'processing')
       RETURNING *`,
      { id, now },
    );
    return row && rowToJob(row);
  }

  /** Records the CLI's latest retry report on the job of run `attempts`. */
  async setRetrying(id: string, attempts: number, retrying: object): Promise<void> {
    await this.sql.run(`UPDATE jobs SET retrying = @retrying WHERE id = @id AND status = 'processing' AND attempts = @attempts`, {
      id,
      attempts,
      retrying: JSON.stringify(retrying),
    });
  }

  /** Puts a run that we stopped ourselves (graceful shutdown) back in the queue without spending its attempt. */
  async requeueRun(id: string, attempts: number): Promise<boolean> {
    const n = await this.sql.run(
      `UPDATE jobs SET status = 'queued', started_at = NULL, attempts = attempts - 1, retrying = NULL, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = @id AND status = 'processing' AND attempts = @attempts`,
      { id, attempts },
    );
    return n === 1;
  }

  /** Deletes a job with everything of it (events, webhook deliveries, idempotency records: see the migrations). */
  async delete(id: string): Promise<boolean> {
    const deleted = (await this.sql.run(`DELETE FROM jobs WHERE id = ?`, [id])) === 1;
    if (deleted) this.reclaim();
    return deleted;
  }

  /**
   * Extends the leases of `jobIds`, the jobs whose runs this instance has now; returns the ids that still hold
   * one. A running job missing from the answer was cancelled, deleted or reclaimed meanwhile: its CLI must stop.
   * Only those: a job this instance still owns but no longer runs (its run ended while the database was away, so
   * its outcome was never stored) must let its lease run out, so that recovery runs it again; renewing every
   * owned row kept such a job `processing` for ever (test/e2e/cluster-outage.test.ts).
   */
  async renewLeases(claimant: Claimant, jobIds: readonly string[]): Promise<string[]> {
    if (jobIds.length === 0) return [];
    const ids = Object.fromEntries(jobIds.map((id, i) => [`id${i}`, id]));
    const rows = await this.sql.all<{ id: string }>(
      `UPDATE jobs SET lease_expires_at = ${clockMs(this.sql.dialect)} + @leaseMs
       WHERE lease_owner = @instance AND status = 'processing' AND id IN (${Object.keys(ids).map((k) => `@${k}`).join(", ")})
       RETURNING id`,
      { instance: claimant.instance, leaseMs: claimant.leaseMs, ...ids },
    );
    return rows.map((r) => r.id);
  }

  /**
   * Recovery: a `processing` row whose lease ran out (`expiredOnly`), or any `processing` row (a single
   * gateway starting on its SQLite file: no run survives a server), lost its run. It goes back to the queue
   * with the attempt counted, or fails `interrupted` once it has used its attempts; the failed ones are
   * returned, for their `result` event and webhook (call it inside the transaction that writes those).
   */
  async recoverInterrupted(
    maxAttempts: number,
    expiredOnly: boolean,
    now = Date.now(),
  ): Promise<{ requeued: Pick<Job, "id" | "requestId" | "attempts" | "sessionId">[]; failed: Job[] }> {
    const lost = expiredOnly ? `AND lease_expires_at < ${clockMs(this.sql.dialect)}` : "";
    const failed = (
      await this.sql.all<JobRow>(
        `UPDATE jobs SET status = 'failed', error_code = 'interrupted', completed_at = @now, retrying = NULL,
           lease_owner = NULL, lease_expires_at = NULL,
           error = 'job interrupted ' || attempts || ' times by a server stop; giving up'
         WHERE status = 'processing' AND attempts >= @maxAttempts ${lost}
         RETURNING *`,
        { maxAttempts, now },
      )
    ).map(rowToJob);
    const rows = await this.sql.all<{ id: string; request_id: string; attempts: number; session_id: string }>(
      `UPDATE jobs SET status = 'queued', started_at = NULL, retrying = NULL, lease_owner = NULL, lease_expires_at = NULL
       WHERE status = 'processing' AND attempts < @maxAttempts ${lost}
       RETURNING id, request_id, attempts, session_id`,
      { maxAttempts },
    );
    const requeued = rows.map((r) => ({ id: r.id, requestId: r.request_id, attempts: r.attempts, sessionId: r.session_id }));
    // Their runs are gone: their sessions' next turns may run.
    for (const j of [...requeued, ...failed]) await this.sessions.release(j.sessionId, j.id);
    return { requeued, failed };
  }

  /** The TTL cleanup: deletes jobs that ended before `cutoff`, with everything of them, as `delete` does. */
  async deleteTerminalBefore(cutoff: number): Promise<number> {
    const n = await this.sql.run(`DELETE FROM jobs WHERE status IN ${TERMINAL_SQL} AND completed_at IS NOT NULL AND completed_at < ?`, [cutoff]);
    if (n > 0) this.reclaim();
    return n;
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const counts: Record<JobStatus, number> = { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const r of await this.sql.all<{ status: JobStatus; n: number }>(`SELECT status, n FROM job_counts`)) counts[r.status] = r.n;
    return counts;
  }

  /** Running jobs per instance holding their leases. */
  runningByInstance(): Promise<{ instance: string; running: number }[]> {
    return this.sql.all(
      `SELECT lease_owner AS instance, COUNT(*) AS running FROM jobs WHERE status = 'processing' AND lease_owner IS NOT NULL
       GROUP BY lease_owner ORDER BY lease_owner`,
    );
  }

  /** The times of every job that is waiting, running, or ended at `since` or later (the status timeline). */
  async lifeSpansSince(since: number): Promise<LifeSpan[]> {
    const rows = await this.sql.all<{ status: JobStatus; created_at: number; started_at: number | null; completed_at: number | null }>(
      `SELECT status, created_at, started_at, completed_at FROM jobs WHERE status IN ('queued', 'processing')
       UNION ALL
       SELECT status, created_at, started_at, completed_at FROM jobs WHERE status IN ${TERMINAL_SQL} AND completed_at >= ?`,
      [since],
    );
    return rows.map((r) => ({ status: r.status, createdAt: r.created_at, startedAt: r.started_at, completedAt: r.completed_at }));
  }

  async ping(): Promise<void> {
    await this.sql.value(`SELECT 1`);
  }
}
