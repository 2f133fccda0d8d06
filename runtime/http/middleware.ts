// Runs before every route: request id, CORS, start-up gate, and the API-key check.
import { randomUUID } from "node:crypto";
import { defineEventHandler, getQuery, getRequestHeader, sendNoContent, type H3Event } from "h3";
import { bootGateway, type Gateway } from "../gateway";
import { dialectOf } from "../compat/errors";
import { KeyChecker } from "./auth";
import { CorsPolicy } from "./cors";
import { httpError } from "./errors";
import { OPERATOR, type Principal } from "../tenants/principal";

const PUBLIC_API_PATHS = new Set(["/api/v1/health", "/api/v1/openapi.json"]);
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const STREAM_PATH = /^\/api\/v1\/jobs\/([^/]+)\/sse$/;

let policies: { keys: KeyChecker; cors: CorsPolicy } | undefined;

export default defineEventHandler(async (event) => {
  const res = event.node.res;
  const incoming = getRequestHeader(event, "x-request-id");
  res.setHeader("X-Request-ID", incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID());

  const gateway = await bootGateway();
  policies ??= { keys: new KeyChecker(gateway.config.apiKeys), cors: new CorsPolicy(gateway.config.corsOrigins) };
  const { keys, cors } = policies;

  const origin = getRequestHeader(event, "origin");
  const allowed = cors.apply(res, origin);
  if (event.method === "OPTIONS" && origin && getRequestHeader(event, "access-control-request-method")) {
    if (!allowed) throw httpError(403, "origin not allowed");
    return sendNoContent(event, 204);
  }

  const path = event.path.split("?")[0]!;
  // The OpenAI- and Anthropic-compatible APIs under /v1/ take the same keys, in their own SDKs' headers.
  const dialect = dialectOf(path, getRequestHeader(event, "anthropic-version"));
  if (dialect) return checkKey(event, gateway, keys, dialect === "openai" ? "missing API key: send Authorization: Bearer <key>" : "missing x-api-key header");
  if (!path.startsWith("/api/")) return;
  if (PUBLIC_API_PATHS.has(path)) {
    // Open to all, but a valid key sees more there (health's details): note it, never refuse the request.
    const key = KeyChecker.presented(event.node.req.headers);
    const principal = key === undefined ? undefined : principalFor(gateway, keys, key);
    if (principal) {
      event.context.apiKey = key;
      event.context.principal = principal;
    }
    return;
  }

  // A signed stream URL stands in for the key, for that one job's stream only (EventSource sends no headers).
  const token = getQuery(event).token;
  const stream = event.method === "GET" ? STREAM_PATH.exec(path) : null;
  if (stream && token !== undefined) {
    if (typeof token !== "string" || !gateway.tokens.verify(safeDecode(stream[1]!), token)) {
      throw httpError(401, "invalid or expired stream token");
    }
    return;
  }

  checkKey(event, gateway, keys, "missing X-API-Key header");
});

function checkKey(event: H3Event, gateway: Gateway, keys: KeyChecker, missing: string): void {
  const key = KeyChecker.presented(event.node.req.headers);
  if (key === undefined) throw httpError(401, missing);
  const principal = principalFor(gateway, keys, key);
  if (!principal) throw httpError(401, "invalid API key");
  event.context.apiKey = key;
  event.context.principal = principal;
}

/** Operator keys first (a constant-time comparison with each); then the tenant keys, by the hash of the key. */
function principalFor(gateway: Gateway, keys: KeyChecker, key: string): Principal | undefined {
  if (keys.matches(key)) return OPERATOR;
  const tenant = gateway.keys.authenticate(key);
  return tenant && { kind: "tenant", key: tenant };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
