// The HTTP contract of the job API, driven over real HTTP against the built gateway: status codes, exact
// `{"error": ...}` bodies and headers. Jobs that must run use the scripted fake CLI (fast); `[[hang]]` keeps a job
// processing so that (with the default concurrency 1) the next one stays queued behind it.
// This file: Health (token expiry, degraded states) and how soon a fresh gateway starts its first job.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FAKE_CLI, GatewayProcess } from "../support/gateway-process";
import { raw, useGateways } from "../support/contract";

const gws = useGateways({
  /** auth, submit validation, get, SSE of finished jobs, routing, health. */
  main: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI },
  /** health with a missing CLI. */
  degraded: { CLAUDEGATE_CLAUDE_PATH: "/nonexistent/claude" },
});

// ---------------------------------------------------------------------------------------------------------------
describe("GET /api/v1/health", () => {
  const credentials = () => join(gws.main.dataDir, "home", ".claude", ".credentials.json");
  const writeExpiry = (expiresAt: number) => {
    mkdirSync(join(gws.main.dataDir, "home", ".claude"), { recursive: true });
    writeFileSync(credentials(), JSON.stringify({ claudeAiOauth: { accessToken: "x", expiresAt } }));
  };
  const allStrings = (o: Record<string, unknown>) => Object.values(o).every((v) => typeof v === "string");
  const expectedAt = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

  afterAll(() => rmSync(credentials(), { force: true }));

  it("says ok and claude_auth unknown when the CLI exists and HOME has no credentials", async () => {
    rmSync(credentials(), { force: true });
    const r = await raw(gws.main, "GET", "/api/v1/health");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type") ?? "").toMatch(/^application\/json/);
    expect(JSON.parse(r.text)).toStrictEqual({ status: "ok", claude_auth: "unknown" });
  });

  it("reports a valid token with its expiry time and the time left", async () => {
    const expiresAt = Date.now() + 2 * 3600_000;
    writeExpiry(expiresAt);
    const r = await gws.main.json("GET", "/api/v1/health");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "ok", claude_auth: "valid", token_expires_at: expectedAt(expiresAt) });
    expect(r.body.token_expires_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(r.body.token_expires_in).toMatch(/^(1h59m5\ds|2h0m0s)$/);
    expect(allStrings(r.body)).toBe(true);
  });

  it("reports an expired token, with the time since expiry", async () => {
    const expiresAt = Date.now() - 90 * 60_000;
    writeExpiry(expiresAt);
    const r = await gws.main.json("GET", "/api/v1/health");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "ok", claude_auth: "expired", token_expires_at: expectedAt(expiresAt) });
    expect(r.body.token_expires_in).toMatch(/^1h30m\d+s$/);
    expect(allStrings(r.body)).toBe(true);
  });

  it("treats an unreadable credentials file as unknown", async () => {
    mkdirSync(join(gws.main.dataDir, "home", ".claude"), { recursive: true });
    writeFileSync(credentials(), "{ not json");
    // With a key: the sandbox fields too (the harness runs with CLAUDEGATE_SANDBOX=off).
    const keyed = {
      status: "ok",
      claude_auth: "unknown",
      sandbox: "off",
      sandbox_reason: "CLAUDEGATE_SANDBOX=off",
      database: gws.main.database.backend,
      instance_id: (await gws.main.json("GET", "/api/v1/stats")).body.instance_id,
    };
    expect((await gws.main.json("GET", "/api/v1/health")).body).toStrictEqual(keyed);
    writeFileSync(credentials(), JSON.stringify({ claudeAiOauth: {} }));
    expect((await gws.main.json("GET", "/api/v1/health")).body).toStrictEqual(keyed);
  });

  it("says degraded when the CLI is missing; the reason naming the path only to a request with a valid key", async () => {
    const r = await raw(gws.degraded, "GET", "/api/v1/health");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toStrictEqual({ status: "degraded", claude_auth: "unknown" });
    const wrongKey = await raw(gws.degraded, "GET", "/api/v1/health", { headers: { "X-API-Key": "not-a-key" } });
    expect(JSON.parse(wrongKey.text)).toStrictEqual({ status: "degraded", claude_auth: "unknown" });
    const keyed = await gws.degraded.json("GET", "/api/v1/health");
    expect(keyed.body).toMatchObject({ status: "degraded", claude_auth: "unknown" });
    expect(keyed.body.reason).toContain("/nonexistent/claude");
    expect(allStrings(keyed.body)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("job start latency", () => {
  it("runs the first job of a fresh gateway at once (not after the CLI version probe)", async () => {
    // The fake CLI (like any CLI that reads stdin) does not answer `--version` until stdin closes. The version
    // probe must neither hold one of the CONCURRENCY slots nor delay the first job.
    const gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
    try {
      const job = await gw.submit({ prompt: "first job" });
      const done = await gw.waitJob(job.job_id, (j) => j.status === "completed", 5000);
      expect(done.result).toBe("fake: first job");
    } finally {
      await gw.stop();
    }
  });
});
