// Nitro's error handler: every error leaves as {"error": "..."} with the request id already set, a 405 names
// the allowed methods, and anything unexpected is logged and answered 500 without internals.
import { STATUS_CODES } from "node:http";
import type { H3Error, H3Event } from "h3";
import { getRequestHeader, setResponseHeader, setResponseStatus, send } from "h3";
// @ts-expect-error Nitro's virtual module: the route table built from handlers/
import { handlers } from "#nitro-internal-virtual/server-handlers";
import { allowedMethods, type RouteEntry } from "./allowed-methods";
import { log } from "../log";
import { dialectOf, errorBody } from "../compat/errors";
import { DomainError, REFUSALS } from "../domain-error";

/** A refusal of the domain's (runtime/domain-error.ts) as the API answers it. */
function fromDomain(error: H3Error): { status: number; data: { error: string; headers?: Record<string, string> } } | undefined {
  const d = error instanceof DomainError ? error : error.cause instanceof DomainError ? error.cause : undefined;
  if (!d) return undefined;
  const headers = d.retryAfterSeconds === undefined ? undefined : { "Retry-After": String(d.retryAfterSeconds) };
  return { status: REFUSALS[d.refusal], data: { error: d.message, headers } };
}

export default function errorHandler(error: H3Error, event: H3Event) {
  const domain = fromDomain(error);
  const status = domain?.status ?? (error.statusCode || 500);
  const data = (domain?.data ?? error.data) as { error?: string; headers?: Record<string, string>; code?: string; param?: string } | undefined;
  let message = data?.error;
  if (!message) {
    if (status === 404) message = "not found";
    else if (status === 405) message = "method not allowed";
    else if (status >= 500) {
      log("error", "unhandled error", { path: event.path, error: String(error.cause ?? error.message) });
      message = "internal server error";
    } else message = error.statusMessage || error.message;
  }
  if (status === 405) {
    setResponseHeader(event, "Allow", allowedMethods(handlers as RouteEntry[], event.path.split("?")[0]!).join(", "));
  }
  for (const [k, v] of Object.entries(data?.headers ?? {})) setResponseHeader(event, k, v);
  setResponseHeader(event, "Content-Type", "application/json");
  // The OpenAI- and Anthropic-compatible paths answer in their own API's error shape.
  const dialect = dialectOf(event.path.split("?")[0]!, getRequestHeader(event, "anthropic-version"));
  if (dialect) {
    const compat = errorBody(dialect, { status, message, code: data?.code, param: data?.param });
    setResponseStatus(event, compat.status, STATUS_CODES[compat.status]);
    return send(event, JSON.stringify(compat.body));
  }
  setResponseStatus(event, status, STATUS_CODES[status]);
  return send(event, JSON.stringify({ error: message }));
}
