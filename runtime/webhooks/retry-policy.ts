// What an attempt's outcome means for its delivery: delivered, given up, or tried again when.
import type { AttemptOutcome } from "./dial";

export const DEFAULT_SCHEDULE_SECONDS = [5, 30, 120, 600, 1800, 3600, 10800, 21600];
const MAX_RETRY_AFTER_MS = 24 * 3600_000;

export type Next =
  | { state: "delivered" }
  | { state: "failed"; reason: string } // given up
  | { state: "pending"; at: number };

/** Client errors that a retry will not fix. 408, 425 and 429 are worth another try. */
const PERMANENT_4XX = (code: number) => code >= 400 && code < 500 && code !== 408 && code !== 425 && code !== 429;

export function nextStep(
  outcome: AttemptOutcome,
  attempt: number, // 1 for the first attempt
  maxAttempts: number,
  scheduleMs: readonly number[],
  now = Date.now(),
  random = Math.random,
): Next {
  if (outcome.kind === "response" && outcome.statusCode >= 200 && outcome.statusCode < 300) return { state: "delivered" };
  if (outcome.kind === "refused") return { state: "failed", reason: outcome.reason };
  if (outcome.kind === "response" && outcome.statusCode === 410) return { state: "failed", reason: "receiver answered 410 Gone" };
  if (outcome.kind === "response" && PERMANENT_4XX(outcome.statusCode)) {
    return { state: "failed", reason: `receiver answered ${outcome.statusCode}; not retried (retry by hand once it is fixed)` };
  }
  if (attempt >= maxAttempts) return { state: "failed", reason: `gave up after ${attempt} attempts` };
  const base = scheduleMs[Math.min(attempt - 1, scheduleMs.length - 1)] ?? 5000;
  let delay = base * (0.8 + 0.4 * random()); // jitter, so receivers coming back are not hit all at once
  if (outcome.kind === "response" && (outcome.statusCode === 429 || outcome.statusCode === 503) && outcome.retryAfter) {
    const asked = retryAfterMs(outcome.retryAfter, now);
    if (asked !== undefined) delay = Math.min(asked, MAX_RETRY_AFTER_MS);
  }
  return { state: "pending", at: now + Math.round(delay) };
}

/** Retry-After as seconds or an HTTP date. */
export function retryAfterMs(value: string, now = Date.now()): number | undefined {
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function describeOutcome(o: AttemptOutcome): { statusCode: number | null; error: string | null } {
  if (o.kind === "response") return { statusCode: o.statusCode, error: o.statusCode >= 300 && o.statusCode < 400 ? "redirect not followed" : null };
  return { statusCode: null, error: o.kind === "refused" ? o.reason : o.error };
}
