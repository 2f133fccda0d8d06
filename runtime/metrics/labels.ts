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

/**
 * A job's model as a label: an alias, or a full id the operator allows (CLAUDEGATE_ALLOWED_MODELS), as it is;
 * any other id "other". Without an allow-list any `claude-…` id is accepted, and a client must not be able to
 * make series without bound.
 */
export function modelLabel(model: string, aliases: readonly string[], allowed: readonly string[]): string {
  return aliases.includes(model) || allowed.includes(model) ? model : "other";
}

/** A job's error_code as a label: "none" for a job without one (completed). */
export const errorCodeLabel = (job: Pick<Job, "errorCode">): string => job.errorCode || "none";

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
