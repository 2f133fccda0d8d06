// A delivery as GET /api/v1/jobs/{id}/deliveries shows it.
import type { Attempt, Delivery } from "./outbox";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function deliveryToJson(d: Delivery, attempts: Attempt[] = []) {
  return {
    id: d.id,
    job_id: d.jobId,
    type: d.type,
    url: d.url,
    status: d.status,
    attempt_count: d.attempts,
    max_attempts: d.maxAttempts,
    next_attempt_at: d.status === "pending" ? iso(d.nextAttemptAt) : null,
    last_error: d.lastError,
    created_at: iso(d.createdAt),
    delivered_at: iso(d.deliveredAt),
    attempts: attempts.map((a) => ({ n: a.n, at: iso(a.at), status_code: a.statusCode, error: a.error, duration_ms: a.durationMs })),
  };
}
