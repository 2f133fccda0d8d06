// Runs before every route: request id, the request's metric, CORS, start-up gate, and the API-key check.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { defineEventHandler, getQuery, getRequestHeader, sendNoContent, type H3Event } from "h3";
// @ts-expect-error Nitro's virtual module: the route table built from handlers/
import { handlers } from "#nitro-internal-virtual/server-handlers";
import { bootGateway, type Gateway } from "../gateway";
import { dialectOf } from "../compat/errors";
import { httpRequest } from "../metrics/observe";
import type { RouteEntry } from "./allowed-methods";
import { KeyChecker } from "./auth";
import { CorsPolicy } from "./cors";
import { httpError } from "./errors";
import { RouteTemplates } from "./route-template";
import { OPERATOR, type Principal } from "../tenants/principal";

const PUBLIC_API_PATHS = new Set(["/api/v1/health", "/api/v1/openapi.json"]);
/** Keyed like /api/ paths although outside them (its handler then requires an operator key). */
const METRICS_PATH = "/metrics";
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const STREAM_PATH = /^\/api\/v1\/jobs\/([^/]+)\/sse$/;

let policies: { keys: KeyChecker; cors: CorsPolicy } | undefined;
let routes: RouteTemplates | undefined;

export default defineEventHandler(async (event) => {
  const res = event.node.res;
  const incoming = getRequestHeader(event, "x-request-id");
  const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader("X-Request-ID", requestId);
  event.context.requestId = requestId; // stored with a job it creates, so its log lines name it
  const path = event.path.split("?")[0]!;
  observeRequest(event, path);

  const gateway = await bootGateway();
  policies ??= { keys: new KeyChecker(gateway.config.apiKeys), cors: new CorsPolicy(gateway.config.corsOrigins) };
  const { keys, cors } = policies;

  const origin = getRequestHeader(event, "origin");
  const allowed = cors.apply(res, origin);
  if (event.method === "OPTIONS" && origin && getRequestHeader(event, "access-control-request-method")) {
    if (!allowed) throw httpError(403, "origin not allowed");
    return sendNoContent(event, 204);
  }

  if (path === METRICS_PATH) return checkKey(event, gateway, keys, "missing X-API-Key header");
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

/** Records the request in the HTTP metric once its response is done (or its connection dropped). */
function observeRequest(event: H3Event, path: string): void {
  const started = performance.now();
  const method = LABELLED_METHODS.has(event.method) ? event.method : "OTHER";
  routes ??= new RouteTemplates(handlers as RouteEntry[]);
  const route = routes.match(path);
  const res = event.node.res;
  res.once("close", () => httpRequest(method, route, res.statusCode, performance.now() - started));
}

/** Methods kept as label values; anything else is "OTHER", so clients cannot mint series. */
const LABELLED_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

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
