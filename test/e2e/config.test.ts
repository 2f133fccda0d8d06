// Start-up configuration of the built server as a process: a bad value exits non-zero with one line naming the
// variable and the rule; the listen address forms; the generated API key on loopback; `.env`; empty = unset.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { API_KEY, FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { startPostgres } from "../support/postgres";

/** Starts a server expected to refuse its configuration; returns its exit and what it wrote on each stream. */
async function startFailing(env: Record<string, string>) {
  const gw = await GatewayProcess.start({ env, waitListening: false });
  let stderr = "";
  gw.child.stderr!.on("data", (d) => (stderr += d));
  const exit = await Promise.race([
    gw.exited,
    new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`still running:\n${gw.output}`)), 15_000)),
  ]).finally(() => gw.stop("SIGKILL"));
  // 'exit' can come before the last output is read (a loaded machine showed an empty stderr): wait for its end.
  const err = gw.child.stderr!;
  if (!err.readableEnded) await new Promise((resolve) => err.once("close", resolve));
  return { exit, stderr, output: gw.output };
}

/** Exactly one line, on stderr, containing every `parts`; nothing else printed; a non-zero exit. */
function expectOneLineError(r: Awaited<ReturnType<typeof startFailing>>, ...parts: string[]) {
  expect(r.exit.signal, r.output).toBeNull();
  expect(r.exit.code, r.output).not.toBe(0);
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  expect(lines, r.output).toHaveLength(1);
  for (const p of parts) expect(lines[0], r.output).toContain(p);
  expect(r.output.trim(), "nothing but the one line is printed").toBe(lines[0]!.trim());
}

async function hasIpv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen({ host: "::1", port: 0 }, () => s.close(() => resolve(true)));
  });
}

describe("a bad value exits non-zero with one line naming the variable and the rule", () => {
  const cases: [string, Record<string, string>, string[]][] = [
    ["CLAUDEGATE_CONCURRENCY=0", { CLAUDEGATE_CONCURRENCY: "0" }, ["CLAUDEGATE_CONCURRENCY must be > 0"]],
    ["CLAUDEGATE_CONCURRENCY=abc", { CLAUDEGATE_CONCURRENCY: "abc" }, ["CLAUDEGATE_CONCURRENCY", 'invalid integer "abc"']],
    ["CLAUDEGATE_CONCURRENCY=1.5", { CLAUDEGATE_CONCURRENCY: "1.5" }, ["CLAUDEGATE_CONCURRENCY", "invalid integer"]],
    [
      "CLAUDEGATE_DEFAULT_MODEL=gpt",
      { CLAUDEGATE_DEFAULT_MODEL: "gpt" },
      ["CLAUDEGATE_DEFAULT_MODEL", '"gpt"', "must be one of: haiku, sonnet, opus or a full model id (claude-...)"],
    ],
    ["CLAUDEGATE_QUEUE_SIZE=-1", { CLAUDEGATE_QUEUE_SIZE: "-1" }, ["CLAUDEGATE_QUEUE_SIZE must be > 0"]],
    ["CLAUDEGATE_LISTEN_ADDR=nonsense", { CLAUDEGATE_LISTEN_ADDR: "nonsense" }, ["CLAUDEGATE_LISTEN_ADDR", "nonsense", "HOST:PORT"]],
    ["CLAUDEGATE_LISTEN_ADDR=:99999", { CLAUDEGATE_LISTEN_ADDR: ":99999" }, ["CLAUDEGATE_LISTEN_ADDR", "65535"]],
    [
      "CLAUDEGATE_JOB_TTL_HOURS=1 with CLAUDEGATE_CLEANUP_INTERVAL_MINUTES=0",
      { CLAUDEGATE_JOB_TTL_HOURS: "1", CLAUDEGATE_CLEANUP_INTERVAL_MINUTES: "0" },
      ["CLAUDEGATE_CLEANUP_INTERVAL_MINUTES must be >= 1 when job TTL is enabled"],
    ],
    ['CLAUDEGATE_API_KEYS=" , "', { CLAUDEGATE_API_KEYS: " , " }, ["CLAUDEGATE_API_KEYS contains no valid keys"]],
    ["CLAUDEGATE_JOB_TIMEOUT_MINUTES=-1", { CLAUDEGATE_JOB_TIMEOUT_MINUTES: "-1" }, ["CLAUDEGATE_JOB_TIMEOUT_MINUTES must be >= 0"]],
    ["CLAUDEGATE_JOB_TTL_HOURS=-2", { CLAUDEGATE_JOB_TTL_HOURS: "-2" }, ["CLAUDEGATE_JOB_TTL_HOURS must be >= 0"]],
    ["CLAUDEGATE_RATE_LIMIT=-1", { CLAUDEGATE_RATE_LIMIT: "-1" }, ["CLAUDEGATE_RATE_LIMIT must be >= 0"]],
    ["CLAUDEGATE_SANDBOX=chroot", { CLAUDEGATE_SANDBOX: "chroot" }, ["CLAUDEGATE_SANDBOX", '"chroot"', "must be one of: auto, bwrap, user, off"]],
    ["CLAUDEGATE_SANDBOX=user without a uid", { CLAUDEGATE_SANDBOX: "user" }, ["CLAUDEGATE_SANDBOX=user needs CLAUDEGATE_SANDBOX_UID"]],
    ["CLAUDEGATE_SANDBOX_UID=0", { CLAUDEGATE_SANDBOX_UID: "0" }, ["CLAUDEGATE_SANDBOX_UID", '"0"', "between 1000 and"]],
    ["CLAUDEGATE_DATABASE_URL=mysql://...", { CLAUDEGATE_DATABASE_URL: "mysql://u:p@127.0.0.1/db" }, ["CLAUDEGATE_DATABASE_URL must be a postgres:// or postgresql:// URL"]],
    ["CLAUDEGATE_LEASE_SECONDS=1", { CLAUDEGATE_LEASE_SECONDS: "1" }, ["CLAUDEGATE_LEASE_SECONDS", "2"]],
    ["CLAUDEGATE_DATABASE_POOL_SIZE=1", { CLAUDEGATE_DATABASE_POOL_SIZE: "1" }, ["CLAUDEGATE_DATABASE_POOL_SIZE", "2"]],
    [
      // An explicitly chosen mode that fails its start-up probe (here: no TMPDIR to make the run's folder in) is fatal.
      "CLAUDEGATE_SANDBOX=bwrap that does not work here",
      { CLAUDEGATE_SANDBOX: "bwrap", TMPDIR: "/nonexistent-claudegate-tmp" },
      ["claudegate: sandbox: CLAUDEGATE_SANDBOX=bwrap does not work here:", "ENOENT"],
    ],
  ];

  it.concurrent.each(cases)("%s", async (_name, env, parts) => {
    expectOneLineError(await startFailing(env), ...parts);
  });

  it("a PostgreSQL that refuses the password: one line without the password, at once (no waiting for a database that will not change its mind)", async () => {
    const pg = await startPostgres();
    try {
      const url = new URL(pg.adminUrl);
      url.password = "not-the-password-4711";
      const started = Date.now();
      const r = await startFailing({ CLAUDEGATE_DATABASE_URL: url.toString() });
      expectOneLineError(r, "claudegate: database: PostgreSQL (CLAUDEGATE_DATABASE_URL):", "password authentication failed");
      expect(r.stderr).not.toContain("not-the-password-4711");
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await pg.stop();
    }
  });

  it.concurrent("CLAUDEGATE_CLEANUP_INTERVAL_MINUTES=0 is fine while the TTL is off", async () => {
    const gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLEANUP_INTERVAL_MINUTES: "0" } });
    try {
      expect((await gw.json("GET", "/api/v1/health")).status).toBe(200);
    } finally {
      await gw.stop();
    }
  });
});

describe("listen address", () => {
  it("127.0.0.1:0 picks a free port and logs the real one", async () => {
    const gw = await GatewayProcess.start({ env: { CLAUDEGATE_LISTEN_ADDR: "127.0.0.1:0" } });
    try {
      const m = /"msg":"claudegate listening"[^\n]*"addr":"127\.0\.0\.1:(\d+)"/.exec(gw.output);
      expect(m, gw.output).not.toBeNull();
      const port = Number(m![1]);
      expect(port).toBeGreaterThan(0);
      expect(gw.url).toBe(`http://127.0.0.1:${port}`);
      expect((await gw.json("GET", "/api/v1/health")).status).toBe(200);
    } finally {
      await gw.stop();
    }
  });

  it("[::1]:0 listens on the IPv6 loopback", async (ctx) => {
    if (!(await hasIpv6Loopback())) {
      console.warn("SKIPPED: this machine has no IPv6 loopback (::1), so [::1]:0 cannot be tested");
      ctx.skip("no IPv6 loopback on this machine");
    }
    const gw = await GatewayProcess.start({ env: { CLAUDEGATE_LISTEN_ADDR: "[::1]:0" } });
    try {
      expect(gw.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect(Number(/:(\d+)$/.exec(gw.url)![1])).toBeGreaterThan(0);
      expect((await gw.json("GET", "/api/v1/health")).status).toBe(200);
      expect((await gw.json("GET", "/api/v1/jobs")).status).toBe(200);
    } finally {
      await gw.stop();
    }
  });
});

describe("without CLAUDEGATE_API_KEYS", () => {
  it("on loopback: generates a key, prints it once, keeps it (0600) next to the database, reuses it on restart", async () => {
    const env = { CLAUDEGATE_API_KEYS: "", CLAUDEGATE_LISTEN_ADDR: "127.0.0.1:0" };
    const first = await GatewayProcess.start({ env });
    const keyFile = join(first.dataDir, "claudegate.api-key");
    let key = "";
    try {
      key = await waitUntil(
        () => {
          try {
            return readFileSync(keyFile, "utf8").trim();
          } catch {
            return "";
          }
        },
        10_000,
        "the key file",
      );
      expect(key.length).toBeGreaterThanOrEqual(20);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      await waitUntil(() => first.output.includes(key), 10_000, "the key to be printed");
      expect(first.output.split(key).length - 1, "printed exactly once").toBe(1);

      // The generated key works, both ways of presenting it; any other key does not.
      expect((await first.json("GET", "/api/v1/jobs", undefined, { "X-API-Key": key })).status).toBe(200);
      expect((await first.json("GET", "/api/v1/jobs", undefined, { "X-API-Key": "", Authorization: `Bearer ${key}` })).status).toBe(200);
      const other = await first.json("GET", "/api/v1/jobs", undefined, { "X-API-Key": API_KEY });
      expect(other.status).toBe(401);
      expect(other.body).toStrictEqual({ error: "invalid API key" });
    } finally {
      await first.stop();
    }

    const second = await GatewayProcess.start({ env, dataDir: first.dataDir });
    try {
      expect((await second.json("GET", "/api/v1/jobs", undefined, { "X-API-Key": key })).status).toBe(200);
      expect(readFileSync(keyFile, "utf8").trim()).toBe(key);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      // It says where the key is, without printing it again.
      await waitUntil(() => second.output.includes(keyFile), 10_000, "a mention of the key file");
      expect(second.output).not.toContain(key);
    } finally {
      await second.stop();
    }
  });

  it.each([["0.0.0.0:0"], [":0"], ["[::]:0"]])("refuses to start on the non-loopback address %s, saying why", async (addr) => {
    const r = await startFailing({ CLAUDEGATE_API_KEYS: "", CLAUDEGATE_LISTEN_ADDR: addr });
    expectOneLineError(r, "CLAUDEGATE_API_KEYS", "loopback");
  });
});

describe("environment sources", () => {
  it("reads .env from the working directory, and a real environment variable wins over it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "cg-test-"));
    writeFileSync(
      join(dataDir, ".env"),
      [
        "# written by config.test.ts",
        "CLAUDEGATE_DEFAULT_MODEL=sonnet",
        "CLAUDEGATE_API_KEYS=key-from-dotenv",
        'CLAUDEGATE_CORS_ORIGINS="https://dotenv.example"',
        "",
      ].join("\n"),
    );
    // The harness sets CLAUDEGATE_API_KEYS in the real environment: that one must win.
    const gw = await GatewayProcess.start({ dataDir, env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
    try {
      const job = await gw.submit({ prompt: "dotenv" });
      expect(job.model).toBe("sonnet");
      const fromDotenv = await gw.json("GET", "/api/v1/jobs", undefined, { "X-API-Key": "key-from-dotenv" });
      expect(fromDotenv.status).toBe(401);
      expect(fromDotenv.body).toStrictEqual({ error: "invalid API key" });
      const cors = await gw.request("GET", "/api/v1/health", undefined, { Origin: "https://dotenv.example" });
      expect(cors.headers.get("access-control-allow-origin")).toBe("https://dotenv.example");
    } finally {
      await gw.stop();
    }
  });

  it("counts an empty value as unset (the default applies)", async () => {
    const gw = await GatewayProcess.start({
      env: {
        CLAUDEGATE_CLAUDE_PATH: FAKE_CLI,
        CLAUDEGATE_DEFAULT_MODEL: "",
        CLAUDEGATE_CONCURRENCY: "",
        CLAUDEGATE_QUEUE_SIZE: "",
        CLAUDEGATE_RATE_LIMIT: "",
        CLAUDEGATE_CORS_ORIGINS: "",
        CLAUDEGATE_JOB_TIMEOUT_MINUTES: "",
      },
    });
    try {
      const job = await gw.submit({ prompt: "empty means unset" });
      expect(job.model).toBe("haiku");
      const done = await gw.waitJob(job.job_id);
      expect(done.status).toBe("completed");
    } finally {
      await gw.stop();
    }
  });
});
