// The webhook outbox table: one method per change a delivery can undergo.
import { randomUUID } from "node:crypto";
import type { Sqlite } from "../store/database";
import type { Next } from "./retry-policy";

/** A delivery's `type`: the run started, or the job ended in one of its terminal statuses. */
export const DELIVERY_TYPES = ["job.started", "job.completed", "job.failed", "job.cancelled"] as const;
export type DeliveryType = (typeof DELIVERY_TYPES)[number];

/** A delivery's `status`: still being tried, or done either way. */
export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Delivery {
  id: string;
  jobId: string;
  type: DeliveryType;
  url: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
  /** The X-Request-ID that created the delivery's job, for log lines (only on rows read by `due`). */
  requestId: string;
  /** The job's owner: whose deliveries these are, and whose secret signs them. */
  owner: string;
}

export interface Attempt {
  n: number;
  at: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

const toDelivery = (r: any): Delivery => ({
  id: r.id,
  jobId: r.job_id,
  type: r.type,
  url: r.url,
  payload: r.payload,
  status: r.status,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
  requestId: r.request_id ?? "",
  owner: r.owner,
});

export class WebhookOutbox {
  private readonly q;

  constructor(private readonly db: Sqlite) {
    const p = (sql: string) => db.prepare(sql);
    this.q = {
      insert: p(`INSERT INTO webhook_deliveries (id, job_id, type, url, payload, status, max_attempts, next_attempt_at, created_at, owner)
                 VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`),
      due: p(`SELECT d.*, j.request_id FROM webhook_deliveries d LEFT JOIN jobs j ON j.id = d.job_id
              WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at LIMIT ?`),
      nextDue: p(`SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'`).pluck(),
      attempt: p(`INSERT INTO webhook_attempts (delivery_id, n, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)`),
      update: p(`UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?
                 WHERE id = ?`),
      byJob: p(`SELECT * FROM webhook_deliveries WHERE job_id = ? ORDER BY created_at, rowid`),
      attempts: p(`SELECT n, at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY n`),
      get: p(`SELECT * FROM webhook_deliveries WHERE id = ? AND job_id = ?`),
      retry: p(`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, max_attempts = attempts + 1, last_error = NULL
                WHERE id = ? AND job_id = ? AND status != 'pending'`),
    };
  }

  enqueue(jobId: string, type: DeliveryType, url: string, payload: string, maxAttempts: number, owner = "", now = Date.now()): string {
    const id = `msg_${randomUUID().replaceAll("-", "")}`;
    this.q.insert.run(id, jobId, type, url, payload, maxAttempts, now, now, owner);
    return id;
  }

  due(now: number, limit: number): Delivery[] {
    return (this.q.due.all(now, limit) as any[]).map(toDelivery);
  }

  nextDueAt(): number | null {
    return (this.q.nextDue.get() as number | null) ?? null;
  }

  /**
   * Records attempt number `n` and what follows from it, in one transaction. Nothing is recorded when the
   * delivery is gone: its job was deleted while the attempt was on the wire (a delete takes every delivery of
   * the job, pending ones included, and the answer to that last attempt is dropped).
   */
  record(d: Delivery, n: number, attempt: Omit<Attempt, "n">, next: Next): void {
    this.db.transaction(() => {
      const updated = this.q.update.run(
        next.state,
        n,
        next.state === "pending" ? next.at : null,
        next.state === "failed" ? next.reason : attempt.error,
        next.state === "delivered" ? attempt.at : null,
        d.id,
      ).changes;
      if (updated === 1) this.q.attempt.run(d.id, n, attempt.at, attempt.statusCode, attempt.error, attempt.durationMs);
    })();
  }

  listForJob(jobId: string): (Delivery & { attemptLog: Attempt[] })[] {
    return (this.q.byJob.all(jobId) as any[]).map((r) => ({
      ...toDelivery(r),
      attemptLog: (this.q.attempts.all(r.id) as any[]).map((a) => ({
        n: a.n,
        at: a.at,
        statusCode: a.status_code,
        error: a.error,
        durationMs: a.duration_ms,
      })),
    }));
  }

  get(jobId: string, id: string): Delivery | undefined {
    const r = this.q.get.get(id, jobId);
    return r ? toDelivery(r) : undefined;
  }

  /** Sends a finished (delivered or given-up) delivery once more; false if it is still pending. */
  retry(jobId: string, id: string, now = Date.now()): boolean {
    return this.q.retry.run(now, id, jobId).changes === 1;
  }
}
