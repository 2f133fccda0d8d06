// Idempotency-Key on POST /api/v1/jobs: a client that retries a submit (after a timeout, a dropped
// connection) with the same key gets the first response instead of a second job. Keys are scoped to the API
// key that sent them and kept 24 hours. A second request while the first is still being handled gets 409.
import { createHash } from "node:crypto";
import type { Sql } from "../store/sql/sql";

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

export interface StoredResponse {
  bodyHash: string;
  statusCode: number;
  response: string;
  jobId: string;
}

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export function isValidIdempotencyKey(key: string): boolean {
  return KEY_FORMAT.test(key);
}

export class IdempotencyKeys {
  /** Requests with a key being handled right now, in this process. */
  private readonly inflight = new Set<string>();

  constructor(private readonly sql: Sql) {}

  /** Marks a key as being handled; false when a request with it already is (in this process). */
  begin(scope: string, key: string): boolean {
    const id = `${scope}\n${key}`;
    if (this.inflight.has(id)) return false;
    this.inflight.add(id);
    return true;
  }

  end(scope: string, key: string): void {
    this.inflight.delete(`${scope}\n${key}`);
  }

  async lookup(scope: string, key: string, now = Date.now(), sql: Sql = this.sql): Promise<StoredResponse | undefined> {
    const r = await sql.get<{ body_hash: string; status_code: number; response: string; job_id: string }>(
      `SELECT body_hash, status_code, response, job_id FROM idempotency_keys WHERE scope = ? AND key = ? AND created_at > ?`,
      [scope, key, now - IDEMPOTENCY_TTL_MS],
    );
    return r && { bodyHash: r.body_hash, statusCode: r.status_code, response: r.response, jobId: r.job_id };
  }

  /**
   * In a submit's transaction: waits for any other instance's submit with the same key to commit (PostgreSQL:
   * a transaction-scoped advisory lock on the key; SQLite has one writer), then returns its stored answer, if any.
   */
  async claim(tx: Sql, scope: string, key: string, now = Date.now()): Promise<StoredResponse | undefined> {
    if (tx.dialect === "postgres") await tx.value(`SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, [`${scope}\n${key}`]);
    return this.lookup(scope, key, now, tx);
  }

  async save(tx: Sql, scope: string, key: string, stored: StoredResponse, now = Date.now()): Promise<void> {
    await tx.run(
      `INSERT INTO idempotency_keys (scope, key, body_hash, status_code, response, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (scope, key) DO UPDATE SET body_hash = excluded.body_hash, status_code = excluded.status_code,
         response = excluded.response, job_id = excluded.job_id, created_at = excluded.created_at`,
      [scope, key, stored.bodyHash, stored.statusCode, stored.response, stored.jobId, now],
    );
  }

  prune(now = Date.now()): Promise<number> {
    return this.sql.run(`DELETE FROM idempotency_keys WHERE created_at <= ?`, [now - IDEMPOTENCY_TTL_MS]);
  }
}
