// CORS as the original (the request's origin echoed, even in "*" mode), corrected: `Vary: Origin`, preflights
// answered only for allowed origins, and the headers a browser client needs to read exposed.
import type { ServerResponse } from "node:http";

const ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
// The job API's headers, then what the official OpenAI and Anthropic SDKs send from a browser to /v1/.
const ALLOW_HEADERS = [
  "Content-Type, X-API-Key, Authorization, Idempotency-Key, Last-Event-ID, X-Request-ID",
  "anthropic-version, anthropic-beta, anthropic-dangerous-direct-browser-access, OpenAI-Organization, OpenAI-Project",
  "x-stainless-arch, x-stainless-lang, x-stainless-os, x-stainless-package-version, x-stainless-runtime",
  "x-stainless-runtime-version, x-stainless-retry-count, x-stainless-timeout, x-stainless-async",
].join(", ");
const EXPOSE_HEADERS = "X-Request-ID, Location, Retry-After, X-ClaudeGate-Job-ID";

export class CorsPolicy {
  private readonly any: boolean;
  private readonly origins: Set<string>;

  constructor(origins: readonly string[]) {
    this.any = origins.length === 1 && origins[0] === "*";
    this.origins = new Set(origins);
  }

  get enabled(): boolean {
    return this.origins.size > 0;
  }

  allows(origin: string): boolean {
    return this.any || this.origins.has(origin);
  }

  /** Sets the response headers for `origin`; returns whether it is allowed. */
  apply(res: ServerResponse, origin: string | undefined): boolean {
    if (!this.enabled) return false;
    res.appendHeader("Vary", "Origin");
    if (!origin || !this.allows(origin)) return false;
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Allow-Methods", ALLOW_METHODS);
    res.setHeader("Access-Control-Allow-Headers", ALLOW_HEADERS);
    res.setHeader("Access-Control-Expose-Headers", EXPOSE_HEADERS);
    res.setHeader("Access-Control-Max-Age", "86400");
    return true;
  }
}
