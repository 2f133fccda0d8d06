// `migrate-to-postgres` as a user runs it (the built command, as a child process): a SQLite database written by a
// real gateway (tenant, sessions, a workspace file, a webhook delivery, an idempotency key, a paused queue, a
// deleted job) is copied into a real PostgreSQL, every table compared row by row; a large copy in bounded memory.
// The refusals: migrate-to-postgres-refusals.test.ts.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openDatabase } from "../../runtime/store/database";
import { NOT_DATA } from "../../runtime/store/pg/copy-plan";
import { API_KEY, FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { migrationScratch, runMigrate as run } from "../support/migrate-command";
import { startPostgres, type TestPostgres } from "../support/postgres";
import { createTenant, submitAs } from "../support/tenants";
import { startReceiver, type Receiver } from "../support/webhook-receiver";

let server: TestPostgres;
let receiver: Receiver;
const scratch = migrationScratch();
beforeAll(async () => {
  [server, receiver] = await Promise.all([startPostgres(), startReceiver("127.0.0.1")]);
});
afterAll(async () => {
  await scratch.cleanup();
  await Promise.all([server?.stop(), receiver?.close()]);
});

const { tempDir, pool } = scratch;

/** Every data table of the SQLite file (what the copy must carry). */
function sqliteTables(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    return names.filter((n) => !NOT_DATA.has(n)).sort();
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
      backend: "sqlite", // the file to copy from
      env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", CLAUDEGATE_WEBHOOK_RETRY_SCHEDULE: "0.3" },
    });
    file = join(gw.dataDir, "claudegate.db");
    scratch.removeLater(gw.dataDir);
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
    // The secrets the gateway generated next to its file sign and check alike on the cluster.
    const fileSecret = (name: string) => readFileSync(join(dirname(file), name), "utf8").trim();
    const { rows: secrets } = await p.query("SELECT name, value FROM cluster_secrets ORDER BY name");
    expect(secrets).toEqual([
      { name: "stream", value: fileSecret("claudegate.stream-secret") },
      { name: "webhook", value: fileSecret("claudegate.webhook-secret") },
    ]);

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
    expect(again.lastLine).toBe(
      "migrate-to-postgres: the PostgreSQL database is not empty (rows in jobs): the copy only goes into an empty database; nothing was changed",
    );
    expect(await pgDump(p, tables)).toEqual(after);
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
