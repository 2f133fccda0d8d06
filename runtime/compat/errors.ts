// Errors of the compatible APIs, each in its own API's shape: OpenAI `{"error":{"message","type","param","code"}}`,
// Anthropic `{"type":"error","error":{"type","message"}}`. Which shape a /v1/ path answers in is decided here once,
// so the error handler, the middleware and the handlers agree.
import { STATUS_CODES } from "node:http";
import { createError, type H3Error } from "h3";

export const DIALECTS = ["openai", "anthropic"] as const;
export type Dialect = (typeof DIALECTS)[number];

/** Why a request cannot be answered: a status, a message, and optionally the OpenAI `code` and `param`. */
export interface CompatFault {
  status: number;
  message: string;
  code?: string;
  param?: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; fault: CompatFault };

export const refuse = (message: string, param?: string, status = 400, code?: string): { ok: false; fault: CompatFault } => ({
  ok: false,
  fault: { status, message, param, code },
});

/**
 * The dialect of a path, or undefined outside /v1/. /v1/messages is Anthropic's and /v1/chat/ OpenAI's; elsewhere
 * (/v1/models, unknown /v1/ paths) a request carrying `anthropic-version` (every Anthropic SDK request does) is
 * Anthropic's, any other OpenAI's.
 */
export function dialectOf(path: string, anthropicVersion: string | undefined): Dialect | undefined {
  if (path !== "/v1" && !path.startsWith("/v1/")) return undefined;
  if (path === "/v1/messages" || path.startsWith("/v1/messages/")) return "anthropic";
  if (path.startsWith("/v1/chat/")) return "openai";
  return anthropicVersion !== undefined ? "anthropic" : "openai";
}

/** Anthropic's `error.type`s, and the status each answers with. */
export const ANTHROPIC_ERROR_TYPES = [
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "not_found_error",
  "request_too_large",
  "rate_limit_error",
  "api_error",
  "overloaded_error",
] as const;
type AnthropicErrorType = (typeof ANTHROPIC_ERROR_TYPES)[number];

const ANTHROPIC_TYPES: Record<number, AnthropicErrorType> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

/** OpenAI's `error.type`s: rate limits, server faults, and everything else the client got wrong. */
export const OPENAI_ERROR_TYPES = ["invalid_request_error", "requests", "server_error"] as const;
type OpenAIErrorType = (typeof OPENAI_ERROR_TYPES)[number];

const OPENAI_CODES: Record<number, string> = {
  401: "invalid_api_key",
  404: "not_found",
  429: "rate_limit_exceeded",
};

/** The status and body of a fault in a dialect. Anthropic says "overloaded" with 529 where we say 503 (queue full). */
export function errorBody(dialect: Dialect, f: CompatFault): { status: number; body: object } {
  if (dialect === "anthropic") {
    const status = f.status === 503 ? 529 : f.status;
    const type = ANTHROPIC_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
    return { status, body: { type: "error", error: { type, message: f.message } } };
  }
  const type: OpenAIErrorType = f.status === 429 ? "requests" : f.status >= 500 ? "server_error" : "invalid_request_error";
  const code = f.code ?? OPENAI_CODES[f.status] ?? null;
  return { status: f.status, body: { error: { message: f.message, type, param: f.param ?? null, code } } };
}

/** A fault as the error h3 throws; the error handler renders it in the path's dialect. */
export function faultError(f: CompatFault, headers?: Record<string, string>): H3Error {
  return createError({
    statusCode: f.status,
    statusMessage: STATUS_CODES[f.status],
    data: { error: f.message, code: f.code, param: f.param, headers },
  });
}
