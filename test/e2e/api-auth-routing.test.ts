// The HTTP contract of the job API, driven over real HTTP against the built gateway: status codes, exact
// `{"error": ...}` bodies and headers. Jobs that must run use the scripted fake CLI (fast); `[[hang]]` keeps a job
// processing so that (with the default concurrency 1) the next one stays queued behind it.
// This file: Authentication, request ids, routing (404/405), CORS and the per-key submit rate limit.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { API_KEY, FAKE_CLI } from "../support/gateway-process";
import { UUID_RE, errorOf, raw, submitRaw, total, useGateways } from "../support/contract";

const gws = useGateways({
  /** auth, submit validation, get, SSE of finished jobs, routing, health. */
  main: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI },
  /** CORS (no job runs: the harness's real CLI is fine). */
  cors: { CLAUDEGATE_CORS_ORIGINS: "https://a.example" },
  /** the per-key submit rate limit. */
  rate: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_RATE_LIMIT: "2", CLAUDEGATE_API_KEYS: "k1,k2,k3" },
});

// ---------------------------------------------------------------------------------------------------------------
describe("authentication and request ids", () => {
  it("rejects a request without a key with 401 `missing X-API-Key header`", async () => {
    const r = await raw(gws.main, "GET", "/api/v1/jobs");
    expect(r.status).toBe(401);
    expect(errorOf(r)).toBe("missing X-API-Key header");
    // An empty header counts as missing, as in the original.
    const empty = await raw(gws.main, "GET", "/api/v1/jobs", { headers: { "X-API-Key": "" } });
    expect(empty.status).toBe(401);
    expect(errorOf(empty)).toBe("missing X-API-Key header");
  });

  it("rejects a wrong key with 401 `invalid API key`", async () => {
    for (const key of ["wrong", API_KEY + "x", API_KEY.slice(0, -1)]) {
      const r = await raw(gws.main, "GET", "/api/v1/jobs", { headers: { "X-API-Key": key } });
      expect(r.status).toBe(401);
      expect(errorOf(r)).toBe("invalid API key");
    }
    const bearer = await raw(gws.main, "GET", "/api/v1/jobs", { headers: { Authorization: "Bearer wrong" } });
    expect(bearer.status).toBe(401);
    expect(errorOf(bearer)).toBe("invalid API key");
  });

  it("accepts `Authorization: Bearer <key>` as well as X-API-Key", async () => {
    const r = await raw(gws.main, "GET", "/api/v1/jobs", { headers: { Authorization: `Bearer ${API_KEY}` } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toHaveProperty("jobs");
    const x = await raw(gws.main, "GET", "/api/v1/jobs", { headers: { "x-api-key": API_KEY } });
    expect(x.status).toBe(200);
  });

  it("serves health without a key", async () => {
    const r = await raw(gws.main, "GET", "/api/v1/health");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).status).toBe("ok");
  });

  it("puts an X-Request-ID on every response, errors and 404s included", async () => {
    const k = { "X-API-Key": API_KEY };
    const job = await gws.main.submit({ prompt: "request-id job" });
    const responses = {
      "200 health": await raw(gws.main, "GET", "/api/v1/health"),
      "200 list": await raw(gws.main, "GET", "/api/v1/jobs", { headers: k }),
      "202 submit": await submitRaw(gws.main, JSON.stringify({ prompt: "request-id submit" })),
      "401 missing": await raw(gws.main, "GET", "/api/v1/jobs"),
      "401 invalid": await raw(gws.main, "GET", "/api/v1/jobs", { headers: { "X-API-Key": "nope" } }),
      "400 bad json": await submitRaw(gws.main, "{"),
      "404 job": await raw(gws.main, "GET", `/api/v1/jobs/${randomUUID()}`, { headers: k }),
      "404 sse": await raw(gws.main, "GET", `/api/v1/jobs/${randomUUID()}/sse`, { headers: k }),
      "404 api path": await raw(gws.main, "GET", "/api/v1/nope", { headers: k }),
      "404 path": await raw(gws.main, "GET", "/nope"),
      "405": await raw(gws.main, "PUT", "/api/v1/jobs", { headers: k }),
      "204 delete": await raw(gws.main, "DELETE", `/api/v1/jobs/${job.job_id}`, { headers: k }),
    };
    for (const [name, r] of Object.entries(responses)) {
      expect(r.headers.get("x-request-id"), name).toMatch(/^[\w.:-]{8,128}$/);
    }
    // Fresh ids are UUIDs and differ per request.
    const a = responses["200 health"].headers.get("x-request-id");
    const b = responses["404 path"].headers.get("x-request-id");
    expect(a).toMatch(UUID_RE);
    expect(a).not.toBe(b);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("routing: unknown paths and wrong methods", () => {
  const k = { "X-API-Key": API_KEY };

  it("answers 404 JSON for unknown paths", async () => {
    for (const [path, headers] of [
      ["/api/v1/nope", k],
      ["/api/v2/jobs", k],
      ["/nope", {}],
      ["/nope", k],
    ] as const) {
      const r = await raw(gws.main, "GET", path, { headers });
      expect(r.status, path).toBe(404);
      expect(errorOf(r).length, path).toBeGreaterThan(0);
    }
    // Under /api an unknown path still needs a key first, as in the original.
    const noKey = await raw(gws.main, "GET", "/api/v1/nope");
    expect(noKey.status).toBe(401);
  });

  it("answers 405 JSON with an Allow header naming the right methods", async () => {
    const cases: [string, string, string[], string[]][] = [
      // method, path, must be in Allow, must not be in Allow
      ["PUT", "/api/v1/jobs", ["GET", "POST"], ["PUT", "DELETE"]],
      ["DELETE", "/api/v1/jobs", ["GET", "POST"], ["DELETE"]],
      ["PATCH", "/api/v1/jobs/x", ["GET", "DELETE"], ["PATCH", "POST"]],
      ["POST", "/api/v1/jobs/x", ["GET", "DELETE"], ["POST"]],
      ["GET", "/api/v1/jobs/x/cancel", ["POST"], ["GET"]],
      ["POST", "/api/v1/health", ["GET"], ["POST"]],
    ];
    for (const [method, path, must, mustNot] of cases) {
      const r = await raw(gws.main, method, path, { headers: k });
      const name = `${method} ${path}`;
      expect(r.status, name).toBe(405);
      expect(errorOf(r).length, name).toBeGreaterThan(0);
      const allow = (r.headers.get("allow") ?? "").split(",").map((s) => s.trim());
      for (const m of must) expect(allow, name).toContain(m);
      for (const m of mustNot) expect(allow, name).not.toContain(m);
    }
  });
});

describe("routing: HEAD", () => {
  it("does not refuse HEAD with 405 while its own Allow header lists HEAD", async () => {
    // The original served HEAD on every GET route. Either HEAD works like GET without a body, or a 405 must not
    // advertise it.
    for (const path of ["/api/v1/health", "/api/v1/jobs"]) {
      const r = await raw(gws.main, "HEAD", path, { headers: { "X-API-Key": API_KEY } });
      if (r.status === 405) {
        const allow = (r.headers.get("allow") ?? "").split(",").map((s) => s.trim());
        expect(allow, `HEAD ${path} answered 405 with Allow: ${r.headers.get("allow")}`).not.toContain("HEAD");
      } else {
        expect(r.status, path).toBe(200);
        expect(r.text, path).toBe("");
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("CORS (CLAUDEGATE_CORS_ORIGINS=https://a.example)", () => {
  const good = "https://a.example";
  const evil = "https://evil.example";

  it("echoes an allowed origin, varies on Origin and exposes X-Request-ID, on successes and errors", async () => {
    for (const [path, headers, status] of [
      ["/api/v1/health", {}, 200],
      ["/api/v1/jobs", { "X-API-Key": API_KEY }, 200],
      ["/api/v1/jobs", {}, 401],
    ] as const) {
      const r = await raw(gws.cors, "GET", path, { headers: { Origin: good, ...headers } });
      expect(r.status, path).toBe(status);
      expect(r.headers.get("access-control-allow-origin"), path).toBe(good);
      expect(r.headers.get("vary") ?? "", path).toMatch(/\bOrigin\b/i);
      expect(r.headers.get("access-control-expose-headers") ?? "", path).toMatch(/\bX-Request-ID\b/i);
    }
  });

  it("answers a preflight from an allowed origin with 204 and the allow headers, without a key", async () => {
    const r = await raw(gws.cors, "OPTIONS", "/api/v1/jobs", {
      headers: { Origin: good, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-api-key" },
    });
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect(r.headers.get("access-control-allow-origin")).toBe(good);
    expect(r.headers.get("access-control-allow-methods") ?? "").toMatch(/\bPOST\b/);
    expect(r.headers.get("access-control-allow-methods") ?? "").toMatch(/\bDELETE\b/);
    expect(r.headers.get("access-control-allow-methods") ?? "").toMatch(/\bPATCH\b/); // PATCH /api/v1/keys/{id}
    expect((r.headers.get("access-control-allow-headers") ?? "").toLowerCase()).toContain("x-api-key");
    expect((r.headers.get("access-control-allow-headers") ?? "").toLowerCase()).toContain("content-type");
    expect(r.headers.get("vary") ?? "").toMatch(/\bOrigin\b/i);
  });

  it("lets the official SDKs call /v1/ from a browser: their headers allowed, the job id readable", async () => {
    const sdkHeaders = ["anthropic-version", "anthropic-dangerous-direct-browser-access", "x-stainless-os", "x-stainless-retry-count", "x-stainless-timeout"];
    const r = await raw(gws.cors, "OPTIONS", "/v1/messages", {
      headers: { Origin: good, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": sdkHeaders.join(",") },
    });
    expect(r.status).toBe(204);
    const allowed = (r.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/,\s*/);
    for (const h of sdkHeaders) expect(allowed).toContain(h);
    expect(r.headers.get("access-control-expose-headers") ?? "").toContain("X-ClaudeGate-Job-ID");
  });

  it("does not answer a preflight from another origin, and gives it no CORS headers", async () => {
    const r = await raw(gws.cors, "OPTIONS", "/api/v1/jobs", { headers: { Origin: evil, "Access-Control-Request-Method": "POST" } });
    expect(r.status).not.toBe(204);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    expect(r.headers.get("access-control-allow-methods")).toBeNull();
    // A plain request from it works but carries no CORS grant either.
    const get = await raw(gws.cors, "GET", "/api/v1/health", { headers: { Origin: evil } });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("rate limit (CLAUDEGATE_RATE_LIMIT=2, keys k1,k2,k3)", () => {
  it("limits submits per API key with 429 and Retry-After; another key and a spoofed X-Forwarded-For do not matter", async () => {
    const gw = gws.rate;
    const as = (key: string, extra: Record<string, string> = {}) => ({ "X-API-Key": key, "Content-Type": "application/json", ...extra });
    const body = JSON.stringify({ prompt: "rate" });
    const post = (headers: Record<string, string>) => raw(gw, "POST", "/api/v1/jobs", { headers, body });

    // Sent together, so that all of them fall well inside one refill period (1/N s): exactly N pass. One of
    // them carries a spoofed X-Forwarded-For, which must not buy it a bucket of its own.
    const spoof = { "X-Forwarded-For": `10.${Math.floor(Math.random() * 250)}.0.1` };
    const k1 = await Promise.all([post(as("k1")), post(as("k1")), post(as("k1")), post(as("k1", spoof))]);
    expect(k1.map((r) => r.status).sort()).toEqual([202, 202, 429, 429]);
    for (const limited of k1.filter((r) => r.status === 429)) {
      expect(JSON.parse(limited.text)).toStrictEqual({ error: "rate limit exceeded, slow down" });
      expect(limited.headers.get("content-type") ?? "").toMatch(/^application\/json/);
      expect(limited.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    }

    // k2 has its own bucket, untouched by k1; Bearer auth is the same key as X-API-Key.
    const k2 = await Promise.all([
      post(as("k2")),
      post({ Authorization: "Bearer k2", "Content-Type": "application/json" }),
      post(as("k2")),
    ]);
    expect(k2.map((r) => r.status).sort()).toEqual([202, 202, 429]);

    // Reads are never limited.
    for (let i = 0; i < 5; i++) expect((await raw(gw, "GET", "/api/v1/jobs", { headers: { "X-API-Key": "k1" } })).status).toBe(200);
    // The rejected submits left no rows: 4 accepted.
    expect((await raw(gw, "GET", "/api/v1/jobs", { headers: { "X-API-Key": "k1" } })).text).toMatch(/"total":4}$/);
  });

  it("limits every path the submit route answers to, e.g. with a trailing slash", async () => {
    const gw = gws.rate;
    const headers = { "X-API-Key": "k3", "Content-Type": "application/json" };
    const body = JSON.stringify({ prompt: "rate trailing slash" });
    // The router serves POST /api/v1/jobs/ as a submit; the limit must apply to it too.
    const probe = await raw(gw, "POST", "/api/v1/jobs/", { headers, body });
    expect(probe.status).toBe(202);
    const rest = await Promise.all([1, 2, 3].map(() => raw(gw, "POST", "/api/v1/jobs/", { headers, body })));
    expect([probe, ...rest].map((r) => r.status).sort()).toEqual([202, 202, 429, 429]);
  });
});
