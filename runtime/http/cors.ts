// CORS as the original (the request's origin echoed, even in "*" mode), corrected: `Vary: Origin`, preflights
// answered only for allowed origins, and the headers a browser client needs to read exposed.
import type { ServerResponse } from "node:http";

const ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOW_HEADERS = "Content-Type, X-API-Key, Authorization, Idempotency-Key, Last-Event-ID";
const EXPOSE_HEADERS = "X-Request-ID, Location, Retry-After";

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
