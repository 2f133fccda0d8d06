// What the gateway's verbs refuse with, in the domain's words: the kind of refusal and a message for the
// client. runtime/ throws these, never HTTP errors; the API's error handler (runtime/http/error-handler.ts) maps
// each kind to its status once.
export const REFUSALS = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  mismatch: 422,
  too_many: 429,
  busy: 503,
} as const;

export type Refusal = keyof typeof REFUSALS;

export class DomainError extends Error {
  constructor(
    readonly refusal: Refusal,
    message: string,
    /** When trying again may succeed (Retry-After), in seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const refuse = (refusal: Refusal, message: string, retryAfterSeconds?: number) => new DomainError(refusal, message, retryAfterSeconds);
