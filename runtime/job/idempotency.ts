// Idempotency-Key on POST /api/v1/jobs: a client that retries a submit (after a timeout, a dropped
// connection) with the same key gets the first response instead of a second job. Keys are scoped to the API
// key that sent them and kept 24 hours. A second request while the first is still being handled gets 409.
import { createHash } from "node:crypto";
import type { Sqlite } from "../store/database";

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
  private readonly q;
  private readonly timer: NodeJS.Timeout;

  constructor(db: Sqlite) {
    this.q = {
      get: db.prepare(`SELECT body_hash, status_code, response, job_id FROM idempotency_keys WHERE scope = ? AND key = ? AND created_at > ?`),
      save: db.prepare(`INSERT OR REPLACE INTO idempotency_keys (scope, key, body_hash, status_code, response, job_id, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      prune: db.prepare(`DELETE FROM idempotency_keys WHERE created_at <= ?`),
    };
    this.timer = setInterval(() => this.prune(), 3600_000);
    this.timer.unref();
  }

  /** Marks a key as being handled; false when a request with it already is. */
  begin(scope: string, key: string): boolean {
    const id = `${scope}\n${key}`;
    if (this.inflight.has(id)) return false;
    this.inflight.add(id);
    return true;
  }

  end(scope: string, key: string): void {
    this.inflight.delete(`${scope}\n${key}`);
  }

  lookup(scope: string, key: string, now = Date.now()): StoredResponse | undefined {
    const r = this.q.get.get(scope, key, now - IDEMPOTENCY_TTL_MS) as
      | { body_hash: string; status_code: number; response: string; job_id: string }
      | undefined;
    return r && { bodyHash: r.body_hash, statusCode: r.status_code, response: r.response, jobId: r.job_id };
  }

  save(scope: string, key: string, stored: StoredResponse, now = Date.now()): void {
    this.q.save.run(scope, key, stored.bodyHash, stored.statusCode, stored.response, stored.jobId, now);
  }

  prune(now = Date.now()): number {
    return this.q.prune.run(now - IDEMPOTENCY_TTL_MS).changes;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
