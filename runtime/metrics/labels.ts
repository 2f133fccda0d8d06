// Label values, each from a fixed set, so a metric's series stay bounded whatever clients send. Pure functions.
import type { Job } from "../job/job";
import type { AttemptOutcome } from "../webhooks/dial";
import type { Next } from "../webhooks/retry-policy";

/**
 * The `key` label: "operator" for an operator key's job, else the name of the tenant key that submitted it (a
 * name, never the secret or its hash). Tenant keys are made by operators, so the values stay few. `nameOf`
 * looks a key up by id; a key it does not know (none should: revoked keys keep their row) is labelled by its id.
 */
export function keyLabel(job: Pick<Job, "owner">, nameOf: (keyId: string) => string | undefined): string {
  if (job.owner === "") return "operator";
  return nameOf(job.owner) ?? job.owner;
}

/** A job's error_code as a label: "none" for a job without one (completed). */
export const errorCodeLabel = (job: Pick<Job, "errorCode">): string => job.errorCode || "none";

export const TOKEN_TYPES = ["input", "output", "cache_read", "cache_write"] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

/** The CLI's usage object (Anthropic's field names) as token counts by type; missing or odd fields count 0. */
export function tokenCounts(usage: unknown): Record<TokenType, number> {
  const u = (usage && typeof usage === "object" ? usage : {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);
  return {
    input: n(u.input_tokens),
    output: n(u.output_tokens),
    cache_read: n(u.cache_read_input_tokens),
    cache_write: n(u.cache_creation_input_tokens),
  };
}

export const WEBHOOK_OUTCOMES = ["delivered", "retried", "refused", "gave_up"] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** What one delivery attempt came to: refused is the address policy's verdict (no request was sent). */
export function webhookOutcome(outcome: AttemptOutcome, next: Next): WebhookOutcome {
  if (next.state === "delivered") return "delivered";
  if (next.state === "pending") return "retried";
  return outcome.kind === "refused" ? "refused" : "gave_up";
}

export const REQUEUE_REASONS = ["shutdown", "usage_limit", "crash_recovery"] as const;
export type RequeueReason = (typeof REQUEUE_REASONS)[number];
