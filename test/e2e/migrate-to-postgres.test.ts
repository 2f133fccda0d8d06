// `migrate-to-postgres` as a user runs it (the built command, as a child process): a SQLite database written by a
// real gateway (tenant, sessions, a workspace file, a webhook delivery, an idempotency key, a paused queue, a
// deleted job) is copied into a real PostgreSQL, every table compared row by row; then the refusals.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openDatabase } from "../../runtime/store/database";
import { migrate } from "../../runtime/store/pg/migrate";
import { createPool } from "../../runtime/store/pg/pool";
import { API_KEY, FAKE_CLI, GatewayProcess, ROOT, waitUntil } from "../support/gateway-process";
import { startPostgres, type TestPostgres } from "../support/postgres";
import { createTenant, submitAs } from "../support/tenants";
import { startReceiver, type Receiver } from "../support/webhook-receiver";

const COMMAND = join(ROOT, ".output/server/commands/migrate-to-postgres.mjs");

let server: TestPostgres;
let receiver: Receiver;
const pools: pg.Pool[] = [];
const dirs: string[] = [];
beforeAll(async () => {
  [server, receiver] = await Promise.all([startPostgres(), startReceiver("127.0.0.1")]);
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await Promise.all([server?.stop(), receiver?.close()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "cg-migrate-"));
  dirs.push(d);
  return d;
}

function pool(url: string): pg.Pool {
  const p = createPool(url);
  pools.push(p);
  return p;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built command as a user would; `onStderr` sees the child and its stderr so far after each write. */
function run(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = [], onStderr?: (child: ChildProcess, stderr: string) => void): Promise<Run> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, COMMAND, ...args], { env: { PATH: process.env.PATH ?? "", ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => ((stderr += d), onStderr?.(child, stderr)));
  return new Promise((res) =>
    child.on("close", (code, signal) => res({ code, signal, stdout, stderr, ms: Math.round(performance.now() - t0) })),
  );
}

/** Every data table of the SQLite file (what the copy must carry). */
function sqliteTables(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'").pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
}

/** A table's rows as [column, value] lists, sorted by their JSON (text collations differ between the engines). */
function sortRows(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const key = (r: Record<string, unknown>) =>
    JSON.stringify(Object.keys(r).sort().map((k) => [k, Buffer.isBuffer(r[k]) ? (r[k] as Buffer).toString("hex") : r[k]]));
  return rows.map((r) => ({ ...r })).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function sqliteDump(file: string, tables: string[]): Record<string, Record<string, unknown>[]> {
  const db = new Database(file, { readonly: true });
  try {
    return Object.fromEntries(tables.map((t) => [t, sortRows(db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[])]));
  } finally {
    db.close();
  }
}

async function pgDump(p: pg.Pool, tables: string[]): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const t of tables) out[t] = sortRows((await p.query(`SELECT * FROM "${t}"`)).rows);
  return out;
}

// Bytes 0-255 and a few invalid UTF-8 sequences: what a text round trip would mangle.
const BINARY = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28])]);

describe("migrate-to-postgres: a gateway's database", () => {
  let file: string;
  let url: string;
  let gw: GatewayProcess;

  beforeAll(async () => {
    gw = await GatewayProcess.start({
      env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", CLAUDEGATE_WEBHOOK_RETRY_SCHEDULE: "0.3" },
    });
    file = join(gw.dataDir, "claudegate.db");
    dirs.push(gw.dataDir);
    url = await server.createDatabase();

    // An operator job with a webhook and an idempotency key.
    const a = await gw.json("POST", "/api/v1/jobs", { prompt: "[[reply:one|two]] hooked", callback_url: receiver.url }, { "Idempotency-Key": "order-1" });
    expect(a.status).toBe(202);
    await gw.waitJob(a.body.job_id);
    await waitUntil(async () => (await gw.json("GET", `/api/v1/jobs/${a.body.job_id}/deliveries`)).body.deliveries[0]?.status === "delivered", 20_000, "the delivery");
    // A tenant's session of two turns, with a workspace file of arbitrary bytes; a failed run.
    const acme = await createTenant(gw, "acme", { max_running: 2 });
    const first = await submitAs(gw, acme, { prompt: "[[cost:0.25]] turn one" });
    await gw.waitJob(first.job_id);
    const sid = (await gw.json("GET", `/api/v1/jobs/${first.job_id}`, undefined, acme.h)).body.session_id;
    const put = await fetch(`${gw.url}/api/v1/sessions/${sid}/files/in/data.bin`, { method: "PUT", headers: { ...acme.h, "Content-Type": "application/octet-stream" }, body: BINARY });
    expect(put.status).toBeLessThan(300);
    const second = await submitAs(gw, acme, { prompt: "turn two", session_id: sid });
    await gw.waitJob(second.job_id);
    const failed = await gw.submit({ prompt: "[[crash]]" });
    expect((await gw.waitJob(failed.job_id)).status).toBe("failed");
    // The Messages API records the conversation's fingerprint on its job.
    const m = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": API_KEY, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "haiku", max_tokens: 10, messages: [{ role: "user", content: "[[reply:hi]] hello" }] }),
    });
    expect(m.status).toBe(200);
    // A paused queue with a job waiting, and the newest job deleted (SQLite never hands its seq out again).
    expect((await gw.json("POST", "/api/v1/queue/pause", { reason: "moving to PostgreSQL" })).status).toBe(200);
    await submitAs(gw, acme, { prompt: "waits in the queue" });
    const gone = await gw.submit({ prompt: "deleted" });
    expect((await gw.request("DELETE", `/api/v1/jobs/${gone.job_id}`)).status).toBeLessThan(300);
  });

  afterAll(async () => {
    await gw?.stop();
  });

  test("refuses while the gateway runs on the file", async () => {
    const r = await run(["--from", file, "--to", url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/in use by another gateway \(pid \d+ on host .*\): stop it before copying\n$/);
    expect((await pool(url).query("SELECT to_regclass('jobs') AS t")).rows[0].t).toBeNull();
  });

  test("copies every table row by row, recounts the counters, continues the seq; a second run is refused", async () => {
    expect((await gw.stop()).code).toBe(0);
    // The CLI stub writes no transcript: give one session a binary one, as the real CLI's JSONL is stored.
    const w = new Database(file);
    w.prepare("UPDATE sessions SET transcript = ?, cli_session_id = 'cli-1' WHERE rowid = (SELECT MIN(rowid) FROM sessions)").run(BINARY);
    const lastSeq = w.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'jobs'").pluck().get() as number;
    const maxSeq = w.prepare("SELECT MAX(seq) FROM jobs").pluck().get() as number;
    w.close();
    expect(lastSeq).toBe(maxSeq + 1); // the deleted job held the last seq

    const tables = sqliteTables(file);
    const before = sqliteDump(file, tables);
    // Every table holds data, or the comparison below would prove nothing for it.
    expect(tables.filter((t) => before[t]!.length === 0)).toEqual([]);
    expect(before.jobs!.length).toBe(6);
    expect(before.workspace_blobs!.some((r) => Buffer.isBuffer(r.blob) && r.blob.equals(BINARY))).toBe(true);

    const r = await run(["--from", file], { CLAUDEGATE_DATABASE_URL: url });
    expect(r.stderr).toMatch(/^migrate-to-postgres: jobs: 6 rows \(\d+ ms\)$/m);
    expect(r.code, r.stderr).toBe(0);
    for (const t of tables) expect(r.stdout).toMatch(new RegExp(`^  ${t} +${before[t]!.length}$`, "m"));
    expect(r.stdout).toContain(`next job seq: ${lastSeq + 1}\n`);
    expect(sqliteDump(file, tables)).toEqual(before); // read-only

    const p = pool(url);
    const after = await pgDump(p, tables);
    for (const t of tables) expect(after[t], t).toEqual(before[t]);
    expect(after.sessions!.find((s) => s.cli_session_id === "cli-1")!.transcript).toEqual(BINARY);

    // The next job continues after every seq SQLite gave out (including the deleted job's).
    const client = await p.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query("INSERT INTO jobs (id, prompt, model, status, created_at) VALUES ('probe', '', 'haiku', 'queued', 0) RETURNING seq");
      expect(rows[0].seq).toBe(lastSeq + 1);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }

    const again = await run(["--from", file, "--to", url]);
    expect(again.code).toBe(1);
    expect(again.stderr.split("\n").at(-2)).toBe(
      "migrate-to-postgres: the PostgreSQL database is not empty (rows in jobs): the copy only goes into an empty database; nothing was changed",
    );
    expect(await pgDump(p, tables)).toEqual(after);
  });
});

describe("migrate-to-postgres: refusals, one line on stderr and exit 1", () => {
  let file: string;
  beforeAll(() => {
    file = join(tempDir(), "claudegate.db");
    openDatabase(file).close();
  });

  test("the npm script, as the README writes it, copies an empty deployment", async () => {
    const url = await server.createDatabase();
    const child = spawn("npm", ["run", "-s", "migrate-to-postgres", "--", "--from", file, "--to", url], { cwd: ROOT, env: process.env });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const code = await new Promise((res) => child.on("close", res));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^copied in \d+ ms:\n/);
    expect(stdout).toMatch(/^  jobs +0$/m);
    expect(stdout).toMatch(/^  job_counts +5$/m);
    expect(stdout).toContain("next job seq: 1\n");
  });

  test.each([
    ["no target", ["--from", "x.db"], {}, "migrate-to-postgres: no target database: pass --to postgres://... or set CLAUDEGATE_DATABASE_URL"],
    ["a bad option", ["--form", "x.db"], {}, "migrate-to-postgres: Unknown option '--form' (--help for usage)"],
    ["not a postgres URL", ["--to", "mysql://u:pw@h/db"], {}, 'migrate-to-postgres: --to must be a postgres:// or postgresql:// URL, not "mysql://u:***@h/db"'],
  ])("%s", async (_name, args, env, line) => {
    const r = await run(args, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(line + "\n");
    expect(r.stdout).toBe("");
  });

  test("a missing file", async () => {
    const r = await run(["--to", "postgres://u:pw@127.0.0.1:1/db"], { CLAUDEGATE_DB_PATH: "/nonexistent/claudegate.db" });
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").at(-2)).toBe("migrate-to-postgres: no SQLite database at /nonexistent/claudegate.db");
  });

  test("an unreachable database, without its password", async () => {
    const r = await run(["--from", file, "--to", "postgres://u:hunter2@127.0.0.1:1/db"]);
    expect(r.code).toBe(1);
    const last = r.stderr.split("\n").at(-2);
    expect(last).toMatch(/^migrate-to-postgres: cannot reach PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: .*ECONNREFUSED/);
    expect(r.stderr).not.toContain("hunter2");
  });

  test("a SQLite file at an older schema version", async () => {
    const old = join(tempDir(), "old.db");
    copyFileSync(file, old);
    const w = new Database(old);
    const top = w.prepare("SELECT MAX(version) FROM schema_migrations").pluck().get() as number;
    w.prepare("DELETE FROM schema_migrations WHERE version = ?").run(top);
    w.close();
    const r = await run(["--from", old, "--to", await server.createDatabase()]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").at(-2)).toBe(
      `migrate-to-postgres: ${old} is at schema version ${top - 1}, this ClaudeGate's is ${top}: start this ClaudeGate once on it (it migrates the file at start-up), stop it, then copy`,
    );
  });

  test("a file whose gateway did not stop cleanly (a run still marked processing)", async () => {
    const crashed = join(tempDir(), "crashed.db");
    copyFileSync(file, crashed);
    const w = new Database(crashed);
    w.prepare("INSERT INTO jobs (id, prompt, model, status, created_at, attempts) VALUES ('j1', 'p', 'haiku', 'processing', 1, 1)").run();
    w.close();
    const r = await run(["--from", crashed, "--to", await server.createDatabase()]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").at(-2)).toBe(
      `migrate-to-postgres: ${crashed} has runs its gateway did not end (1 jobs processing, 0 sessions running): it did not stop cleanly; start it once on the file and stop it (start-up recovery ends them), then copy`,
    );
  });

  test("a value PostgreSQL refuses (NUL in TEXT) fails the copy naming the rows, and nothing of it stays", async () => {
    const nul = join(tempDir(), "nul.db");
    copyFileSync(file, nul);
    const w = new Database(nul);
    // The job goes in (and is counted by the triggers) before its event fails: all of it must go again.
    w.prepare("INSERT INTO jobs (id, prompt, model, status, created_at) VALUES ('j', 'a prompt', 'haiku', 'completed', 1)").run();
    w.prepare("INSERT INTO job_events (job_id, seq, event, data, created_at) VALUES ('j', 1, 'chunk', ?, 1)").run("a\u0000b");
    w.close();
    const url = await server.createDatabase();
    const r = await run(["--from", nul, "--to", url]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").at(-2)).toMatch(/^migrate-to-postgres: table job_events, rows 1-1: invalid byte sequence for encoding "UTF8": 0x00$/);
    const p = pool(url);
    expect((await p.query("SELECT (SELECT count(*) FROM jobs) AS jobs, (SELECT sum(n) FROM job_counts) AS counted")).rows[0]).toEqual({ jobs: 0, counted: 0 });
  });

  test("an INSERT trigger the copy does not know, which might count copied rows twice", async () => {
    const url = await server.createDatabase();
    const p = pool(url);
    await migrate(p);
    await p.query(`CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
                   CREATE TRIGGER events_counter AFTER INSERT ON job_events FOR EACH ROW EXECUTE FUNCTION noop()`);
    const r = await run(["--from", file, "--to", url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("PostgreSQL has INSERT triggers the copy does not know (events_counter on job_events)");
  });
});

describe("migrate-to-postgres: a large copy", () => {
  test("20,000 events of 4 KiB (80 MiB) in batches, under a 48 MiB heap", async () => {
    const file = join(tempDir(), "big.db");
    const db = openDatabase(file);
    const job = db.prepare("INSERT INTO jobs (id, prompt, model, status, created_at, session_id) VALUES (?, 'p', 'haiku', 'completed', ?, ?)");
    const event = db.prepare("INSERT INTO job_events (job_id, seq, event, data, created_at) VALUES (?, ?, 'chunk', ?, ?)");
    const data = "x".repeat(4096);
    db.transaction(() => {
      for (let j = 0; j < 200; j++) {
        job.run(`job-${j}`, j, `job-${j}`);
        for (let s = 1; s <= 100; s++) event.run(`job-${j}`, s, data, j);
      }
    })();
    db.close();
    const url = await server.createDatabase();
    const args = ["--from", file, "--to", url];
    // Killed once the jobs are in and the events (a second of work) are under way: the transaction never commits,
    // so the target is left empty and the same command simply runs again (no resume: a copy is all or nothing).
    const killed = await run(args, {}, [], (child, err) => /^migrate-to-postgres: jobs: 200 rows/m.test(err) && child.kill("SIGKILL"));
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    expect(killed.stdout).toBe("");
    const r = await run(args, {}, ["--max-old-space-size=48"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^  job_events +20000$/m);
    const p = pool(url);
    const { rows } = await p.query("SELECT count(*) AS n, sum(length(data)) AS bytes FROM job_events");
    expect(rows[0]).toEqual({ n: 20_000, bytes: 20_000 * 4096 });
    expect((await p.query("SELECT n FROM job_counts WHERE status = 'completed'")).rows[0].n).toBe(200);
    console.log(`large copy: 200 jobs, 20,000 events of 4 KiB: ${r.ms} ms (whole command); ${r.stdout.split("\n")[0]}`);
  });
});
