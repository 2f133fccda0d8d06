// What the gateway keeps on disk and who may see it (issue 10, items 4, 5 and 8): a deleted or expired job leaves
// nothing behind and the file gives the space back; a second gateway on the same database refuses to start; the
// database and the secrets are the service user's alone; public health shows only status words; pages carry a
// strict Content-Security-Policy. The database is read from outside (test/support/database.ts), beside the running
// gateway or after it stopped. Runs on both backends; the parts about the SQLite file itself skip on PostgreSQL.
import { mkdtempSync, statSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { raw } from "../support/contract";
import { withDatabase } from "../support/database";
import { FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { testBackend } from "../support/test-backend";
import { startReceiver, type Receiver } from "../support/webhook-receiver";

const FAKE = { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI };
const WEBHOOKS = { ...FAKE, CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", CLAUDEGATE_WEBHOOK_MAX_ATTEMPTS: "1" };

const dbFile = (gw: GatewayProcess) => join(gw.dataDir, "claudegate.db");

/** How many rows of each table belong to `jobId` (attempts through their deliveries). */
function rowsOf(gw: GatewayProcess, jobId: string) {
  return withDatabase(gw, async (db) => {
    const n = (sql: string) => db.value<number>(sql, jobId);
    return {
      jobs: await n("SELECT COUNT(*) FROM jobs WHERE id = ?"),
      events: await n("SELECT COUNT(*) FROM job_events WHERE job_id = ?"),
      deliveries: await n("SELECT COUNT(*) FROM webhook_deliveries WHERE job_id = ?"),
      attempts: await n("SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE job_id = ?)"),
      idempotency: await n("SELECT COUNT(*) FROM idempotency_keys WHERE job_id = ?"),
    };
  });
}

const NOTHING = { jobs: 0, events: 0, deliveries: 0, attempts: 0, idempotency: 0 };

/** A finished job with one delivered webhook and an idempotency record. */
async function jobWithEverything(gw: GatewayProcess, hook: Receiver, tag: string) {
  const r = await gw.json("POST", "/api/v1/jobs", { prompt: `[[reply:done]] ${tag}`, callback_url: hook.url }, { "Idempotency-Key": `key-${tag}` });
  expect(r.status).toBe(202);
  const id = r.body.job_id as string;
  await gw.waitJob(id);
  await waitUntil(async () => (await gw.json("GET", `/api/v1/jobs/${id}/deliveries`)).body.deliveries?.[0]?.status === "delivered", 20_000, "the webhook");
  return id;
}

describe("a job's data goes with the job", () => {
  let gw: GatewayProcess;
  let hook: Receiver;
  beforeAll(async () => {
    hook = await startReceiver("127.0.0.1", [{ status: 200 }]);
    gw = await GatewayProcess.start({ env: WEBHOOKS });
  });
  afterAll(async () => {
    await gw?.stop();
    await hook?.close();
  });

  it("DELETE removes the job's events, webhook deliveries and their attempts, and its idempotency record", async () => {
    const id = await jobWithEverything(gw, hook, "delete");
    const before = await rowsOf(gw, id);
    expect(before).toMatchObject({ jobs: 1, deliveries: 1, attempts: 1, idempotency: 1 });
    expect(before.events).toBeGreaterThanOrEqual(2); // queued, ..., result: the exact number depends on the CLI's output
    expect((await gw.json("DELETE", `/api/v1/jobs/${id}`)).status).toBe(204);
    expect(await rowsOf(gw, id)).toStrictEqual(NOTHING);
  });

  it("DELETE while the job's webhook is on the wire: the delivery goes, the answer is dropped, the gateway lives on", async () => {
    const slow = await startReceiver("127.0.0.1", [{ status: 500, delayMs: 1500 }]);
    try {
      const job = await gw.submit({ prompt: "[[reply:done]] delete-in-flight", callback_url: slow.url });
      await gw.waitJob(job.job_id);
      await waitUntil(() => slow.received.length === 1, 20_000, "the webhook to arrive");
      const [delivery] = (await gw.json("GET", `/api/v1/jobs/${job.job_id}/deliveries`)).body.deliveries;
      expect((await gw.json("DELETE", `/api/v1/jobs/${job.job_id}`)).status).toBe(204);
      expect(await rowsOf(gw, job.job_id)).toStrictEqual(NOTHING);
      // The 500 ends the single-attempt delivery: the sender records the attempt (nothing, for a deleted delivery;
      // it used to break the attempts table's foreign key and crash the process), then logs the give-up.
      const gaveUp = new RegExp(`"msg":"webhook: delivery failed".*"delivery_id":"${delivery.id}"`);
      await waitUntil(() => gaveUp.test(gw.output) || gw.child.exitCode !== null, 20_000, "the answer to be handled");
      expect(gw.child.exitCode).toBeNull();
      expect((await gw.json("GET", "/api/v1/health")).status).toBe(200);
      expect(await rowsOf(gw, job.job_id)).toStrictEqual(NOTHING);
    } finally {
      await slow.close();
    }
  });
});

// SQLite only: incremental vacuum and the file's page counts; PostgreSQL reclaims space by its own (auto)vacuum.
describe.skipIf(testBackend() === "postgres")("space", () => {
  it("gives the file's space back after many large jobs are deleted", async () => {
    const gw = await GatewayProcess.start({ env: FAKE });
    const pages = () => {
      const db = new Database(dbFile(gw), { readonly: true });
      try {
        return { count: db.pragma("page_count", { simple: true }) as number, free: db.pragma("freelist_count", { simple: true }) as number };
      } finally {
        db.close();
      }
    };
    let full: { count: number; free: number };
    try {
      await gw.json("POST", "/api/v1/queue/pause"); // the jobs wait: only their storage matters here
      const big = "x".repeat(512 * 1024);
      const ids: string[] = [];
      for (let i = 0; i < 24; i++) ids.push((await gw.submit({ prompt: `${i} ${big}` })).job_id);
      full = pages();
      expect(full.count * 4096).toBeGreaterThan(12 * 1024 * 1024);
      for (const id of ids) expect((await gw.json("DELETE", `/api/v1/jobs/${id}`)).status).toBe(204);
      const after = pages();
      // Without incremental vacuum the pages stay in the file as free pages: page_count unchanged, ~3,000 free.
      expect(after.free).toBeLessThan(256);
      expect(after.count).toBeLessThan(full.count / 4);
    } finally {
      await gw.stop();
    }
    // The file itself shrinks at the checkpoint (at the latest when the gateway closes the database).
    expect(statSync(dbFile(gw)).size).toBeLessThan((full.count * 4096) / 4);
  });
});

describe("the TTL cleanup", () => {
  it("deletes an expired job's webhook deliveries, their attempts and its idempotency record with it", async () => {
    const hook = await startReceiver("127.0.0.1", [{ status: 200 }]);
    const gw = await GatewayProcess.start({ env: WEBHOOKS });
    let old: string, recent: string;
    try {
      old = await jobWithEverything(gw, hook, "ttl-old");
      recent = await jobWithEverything(gw, hook, "ttl-recent");
    } finally {
      await gw.stop();
    }
    const twoDaysAgo = Date.now() - 48 * 3600_000;
    await withDatabase(gw, (db) => db.run("UPDATE jobs SET completed_at = ?, created_at = ? WHERE id = ?", twoDaysAgo, twoDaysAgo, old), { readonly: false });
    const again = await GatewayProcess.start({ dataDir: gw.dataDir, env: { ...WEBHOOKS, CLAUDEGATE_JOB_TTL_HOURS: "24" } });
    try {
      expect(again.output).toMatch(/"msg":"cleanup: deleted old jobs","count":1/);
      expect(await rowsOf(again, old)).toStrictEqual(NOTHING);
      expect(await rowsOf(again, recent)).toMatchObject({ jobs: 1, deliveries: 1, attempts: 1, idempotency: 1 });
    } finally {
      await again.stop();
      await hook.close();
    }
  });
});

// SQLite only: the file lock. On PostgreSQL several gateways on one database is the point (test/support/cluster.ts).
describe.skipIf(testBackend() === "postgres")("one gateway per database file", () => {
  it("a second gateway on the same file exits 1 with one line naming the file and the first one's pid; the first finishes its job", async () => {
    const first = await GatewayProcess.start({ env: FAKE });
    try {
      const job = await first.submit({ prompt: "[[reply:a|b|c|d|e|f|g|h|i|j]][[delay:600]] long" }); // about 6 s
      await first.waitJob(job.job_id, (j) => j.status === "processing");
      const second = await GatewayProcess.start({ dataDir: first.dataDir, env: FAKE, waitListening: false });
      expect(await second.exited).toEqual({ code: 1, signal: null });
      expect(second.output).toBe(
        `claudegate: database ${dbFile(first)} is in use by another gateway (pid ${first.child.pid} on host ${hostname()}); not starting\n`,
      );
      // The refusal came while the job ran, and did not touch it: it finishes in its first attempt.
      expect((await first.json("GET", `/api/v1/jobs/${job.job_id}`)).body.status).toBe("processing");
      const done = await first.waitJob(job.job_id);
      expect(done).toMatchObject({ status: "completed", attempts: 1, result: "abcdefghij" });
      expect(first.output).not.toMatch(/"msg":"recovery"/);
    } finally {
      await first.stop();
    }
  });

  it("a SIGKILLed gateway's lock does not block the next start", async () => {
    const first = await GatewayProcess.start({ env: FAKE });
    await first.stop("SIGKILL");
    const next = await GatewayProcess.start({ dataDir: first.dataDir, env: FAKE });
    try {
      expect((await next.json("GET", "/api/v1/health")).body.status).toBe("ok");
    } finally {
      await next.stop();
    }
  });
});

// SQLite only as written: it sets CLAUDEGATE_DB_PATH and checks the database, WAL and lock files next to the secrets.
describe.skipIf(testBackend() === "postgres")("file modes", () => {
  it("creates its directory 0700 and the database, its WAL files, the lock and every secret file 0600", async () => {
    const parent = mkdtempSync(join(tmpdir(), "cg-modes-"));
    const dir = join(parent, "state", "nested");
    // No key configured: the gateway generates one next to the database, as it does the webhook and stream secrets.
    const gw = await GatewayProcess.start({ dataDir: parent, env: { ...FAKE, CLAUDEGATE_DB_PATH: join(dir, "claudegate.db"), CLAUDEGATE_API_KEYS: "" } });
    try {
      const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
      expect([mode(join(parent, "state")), mode(dir)]).toEqual(["700", "700"]);
      const files = ["claudegate.db", "claudegate.db-wal", "claudegate.db-shm", "claudegate.db.lock", "claudegate.db.lock.owner",
        "claudegate.api-key", "claudegate.webhook-secret", "claudegate.stream-secret"];
      expect(Object.fromEntries(files.map((f) => [f, mode(join(dir, f))]))).toStrictEqual(Object.fromEntries(files.map((f) => [f, "600"])));
    } finally {
      await gw.stop();
    }
  });
});

describe("what anyone can see", () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: "/nonexistent/claude" } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("public health holds status words only; the reason, the CLI path and the pause reason need a valid key", async () => {
    expect((await gw.json("POST", "/api/v1/queue/pause", { reason: "<a href=//evil.example>call us</a>" })).status).toBe(200);
    for (const headers of [{}, { "X-API-Key": "wrong-key" }, { Authorization: "Bearer wrong-key" }] as Record<string, string>[]) {
      const r = await raw(gw, "GET", "/api/v1/health", { headers });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.text)).toStrictEqual({ status: "degraded", claude_auth: "unknown" });
    }
    expect((await gw.json("GET", "/api/v1/health")).body).toStrictEqual({
      status: "degraded",
      reason: 'claude CLI not found at "/nonexistent/claude"',
      claude_auth: "unknown",
      paused_until: "until resumed",
      paused_reason: "<a href=//evil.example>call us</a>",
      sandbox: "off",
      sandbox_reason: "CLAUDEGATE_SANDBOX=off",
      database: gw.database.backend,
      instance_id: (await gw.json("GET", "/api/v1/stats")).body.instance_id,
    });
  });

  it("pages and their assets carry a strict CSP, nosniff and no-referrer", async () => {
    for (const path of ["/", "/docs/", "/assets/playground.js", "/assets/swagger-ui/swagger-ui-bundle.js"]) {
      const r = await raw(gw, "GET", path);
      expect(r.status, path).toBe(200);
      const csp = r.headers.get("content-security-policy") ?? "";
      const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(" ")]));
      expect(directives, path).toMatchObject({
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
      });
      expect(r.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(r.headers.get("referrer-policy"), path).toBe("no-referrer");
    }
    // No inline script in the pages: everything runs from files the CSP allows.
    for (const path of ["/", "/docs/"]) expect((await raw(gw, "GET", path)).text, path).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});
