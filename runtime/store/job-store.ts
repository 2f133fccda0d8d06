// Every change a job's row can undergo, one method each. The jobs table is the queue: a job waits as a
// `queued` row, is claimed by an atomic UPDATE, and every later transition is a compare-and-set on the status
// (and attempt) it expects, so a late writer can never overwrite a state it did not see.
import type { Sqlite } from "./database";
import { reclaimSpace } from "./reclaim-space";
import type { ErrorCode, Job, JobStatus, ResponseFormat, RunStats, WebhookEvent } from "../job/job";
import type { Model } from "../config/schema";
import type { LifeSpan } from "../health/timeline";

interface JobRow {
  id: string;
  prompt: string;
  system_prompt: string;
  model: string;
  status: string;
  result: string;
  error: string;
  error_code: string;
  callback_url: string;
  webhook_events: string;
  metadata: string | null;
  response_format: string;
  json_schema: string | null;
  timeout_seconds: number | null;
  request_id: string;
  attempts: number;
  stats: string | null;
  retrying: string | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
}

function rowToJob(r: JobRow): Job {
  const stats = r.stats ? (JSON.parse(r.stats) as RunStats) : {};
  return {
    id: r.id,
    prompt: r.prompt,
    systemPrompt: r.system_prompt,
    model: r.model as Model,
    status: r.status as JobStatus,
    result: r.result,
    error: r.error,
    errorCode: r.error_code as ErrorCode | "",
    callbackUrl: r.callback_url,
    webhookEvents: JSON.parse(r.webhook_events) as WebhookEvent[],
    metadata: r.metadata ?? undefined,
    responseFormat: r.response_format as ResponseFormat,
    jsonSchema: r.json_schema ?? undefined,
    timeoutSeconds: r.timeout_seconds ?? undefined,
    requestId: r.request_id,
    attempts: r.attempts,
    retrying: r.retrying ? JSON.parse(r.retrying) : undefined,
    createdAt: r.created_at,
    startedAt: r.started_at ?? undefined,
    completedAt: r.completed_at ?? undefined,
    ...stats,
  };
}

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

  constructor(private readonly db: Sqlite) {
    const p = (sql: string) => db.prepare(sql);
    this.q = {
      // The queue cap is checked in the same statement as the insert, so a refused submit leaves no row.
      insert: p(`INSERT INTO jobs (id, prompt, system_prompt, model, status, callback_url, webhook_events, metadata,
                   response_format, json_schema, timeout_seconds, request_id, created_at)
                 SELECT @id, @prompt, @systemPrompt, @model, 'queued', @callbackUrl, @webhookEvents, @metadata,
                   @responseFormat, @jsonSchema, @timeoutSeconds, @requestId, @createdAt
                 WHERE (SELECT n FROM job_counts WHERE status = 'queued') < @queueSize`),
      get: p(`SELECT * FROM jobs WHERE id = ?`),
      claimNext: p(`UPDATE jobs SET status = 'processing', started_at = @now, attempts = attempts + 1, retrying = NULL
                    WHERE seq = (SELECT seq FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1)
                    RETURNING *`),
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
      ping: p(`SELECT 1`),
    };
  }

  /** Inserts a queued job, or returns false when `queueSize` jobs are already waiting. */
  insert(job: NewJob, queueSize: number): boolean {
    return (
      this.q.insert.run({
        ...job,
        webhookEvents: JSON.stringify(job.webhookEvents),
        metadata: job.metadata ?? null,
        jsonSchema: job.jsonSchema ?? null,
        timeoutSeconds: job.timeoutSeconds ?? null,
        queueSize,
      }).changes === 1
    );
  }

  get(id: string): Job | undefined {
    const row = this.q.get.get(id) as JobRow | undefined;
    return row && rowToJob(row);
  }

  list(opts: { limit: number; offset: number; status?: JobStatus }): { jobs: Job[]; total: number } {
    const where = opts.status ? "WHERE status = ?" : "";
    const args = opts.status ? [opts.status] : [];
    const total = opts.status ? this.countByStatus()[opts.status] : ((this.q.countAll.get() as number | null) ?? 0);
    const rows = this.db
      .prepare(`SELECT * FROM jobs ${where} ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?`)
      .all(...args, opts.limit, opts.offset) as JobRow[];
    return { jobs: rows.map(rowToJob), total };
  }

  /** Atomically moves the oldest queued job to `processing` and counts the attempt. */
  claimNext(now = Date.now()): Job | undefined {
    const row = this.q.claimNext.get({ now }) as JobRow | undefined;
    return row && rowToJob(row);
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
