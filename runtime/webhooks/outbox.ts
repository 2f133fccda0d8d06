// The webhook outbox table: one method per change a delivery can undergo.
import { randomUUID } from "node:crypto";
import type { Sql } from "../store/sql/sql";
import { skipLocked } from "../store/sql/dialect";
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
  constructor(private readonly sql: Sql) {}

  in(tx: Sql): WebhookOutbox {
    return new WebhookOutbox(tx);
  }

  async enqueue(jobId: string, type: DeliveryType, url: string, payload: string, maxAttempts: number, owner = "", now = Date.now()): Promise<string> {
    const id = `msg_${randomUUID().replaceAll("-", "")}`;
    await this.sql.run(
      `INSERT INTO webhook_deliveries (id, job_id, type, url, payload, status, max_attempts, next_attempt_at, created_at, owner)
       VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
      [id, jobId, type, url, payload, maxAttempts, now, now, owner],
    );
    return id;
  }

  /**
   * Takes up to `limit` due deliveries for one attempt each: their next attempt moves `leaseMs` ahead in the same
   * statement, so no other instance (or later tick) takes them meanwhile; if this instance dies during the
   * attempt, the delivery is due again once that time has passed. The attempt's record sets the real next time.
   */
  async take(now: number, limit: number, leaseMs: number): Promise<Delivery[]> {
    const rows = await this.sql.all(
      `UPDATE webhook_deliveries SET next_attempt_at = @leaseEnd
       WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= @now
                    ORDER BY next_attempt_at LIMIT @limit ${skipLocked(this.sql.dialect)})
       RETURNING *, (SELECT request_id FROM jobs j WHERE j.id = webhook_deliveries.job_id) AS request_id`,
      { now, limit, leaseEnd: now + leaseMs },
    );
    return rows.map(toDelivery).sort((a, b) => a.createdAt - b.createdAt);
  }

  async nextDueAt(): Promise<number | null> {
    return (await this.sql.value<number | null>(`SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'`)) ?? null;
  }

  /**
   * Records attempt number `n` and what follows from it, in one transaction. Nothing is recorded when the
   * delivery is gone (its job was deleted while the attempt was on the wire: a delete takes every delivery of
   * the job, pending ones included) or when attempt `n` was recorded already (by another instance that took it
   * after this one's lease ran out).
   */
  async record(d: Delivery, n: number, attempt: Omit<Attempt, "n">, next: Next): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const updated = await tx.run(
        `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?
         WHERE id = ? AND attempts = ?`,
        [
          next.state,
          n,
          next.state === "pending" ? next.at : null,
          next.state === "failed" ? next.reason : attempt.error,
          next.state === "delivered" ? attempt.at : null,
          d.id,
          n - 1,
        ],
      );
      if (updated === 1) {
        await tx.run(`INSERT INTO webhook_attempts (delivery_id, n, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)`, [
          d.id,
          n,
          attempt.at,
          attempt.statusCode,
          attempt.error,
          attempt.durationMs,
        ]);
      }
    });
  }

  async listForJob(jobId: string): Promise<(Delivery & { attemptLog: Attempt[] })[]> {
    // A job's `started` delivery before its end's, whatever their times.
    const rows = await this.sql.all<any>(
      `SELECT * FROM webhook_deliveries WHERE job_id = ? ORDER BY created_at, CASE type WHEN 'job.started' THEN 0 ELSE 1 END, id`,
      [jobId],
    );
    const out: (Delivery & { attemptLog: Attempt[] })[] = [];
    for (const r of rows) {
      const attempts = await this.sql.all<any>(`SELECT n, at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY n`, [r.id]);
      out.push({
        ...toDelivery(r),
        attemptLog: attempts.map((a) => ({ n: a.n, at: a.at, statusCode: a.status_code, error: a.error, durationMs: a.duration_ms })),
      });
    }
    return out;
  }

  async get(jobId: string, id: string): Promise<Delivery | undefined> {
    const r = await this.sql.get(`SELECT * FROM webhook_deliveries WHERE id = ? AND job_id = ?`, [id, jobId]);
    return r ? toDelivery(r) : undefined;
  }

  /** Sends a finished (delivered or given-up) delivery once more; false if it is still pending. */
  async retry(jobId: string, id: string, now = Date.now()): Promise<boolean> {
    const n = await this.sql.run(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, max_attempts = attempts + 1, last_error = NULL
       WHERE id = ? AND job_id = ? AND status != 'pending'`,
      [now, id, jobId],
    );
    return n === 1;
  }
}
