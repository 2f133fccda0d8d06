// The PostgreSQL schema on a real server: the baseline applies once however many gateways start together, it has
// the SQLite schema's tables, columns, indexes and triggers, and the triggers leave the same rows as SQLite's for
// the same statements.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openDatabase, type Sqlite } from "../../../runtime/store/database";
import { MIGRATIONS } from "../../../runtime/store/migrations";
import { migrate } from "../../../runtime/store/pg/migrate";
import { createPool } from "../../../runtime/store/pg/pool";
import { PG_MIGRATIONS } from "../../../runtime/store/pg/schema";
import { startPostgres, type TestPostgres } from "../../support/postgres";

/** The baseline (11) and every migration after it, in order. */
const ALL_VERSIONS = PG_MIGRATIONS.map((m) => m.version);

let server: TestPostgres;
const pools: pg.Pool[] = [];
const closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await Promise.all([...pools.map((p) => p.end()), ...closers.map((c) => c())]);
  await server?.stop();
});

async function pool(url: string): Promise<pg.Pool> {
  const p = createPool(url);
  pools.push(p);
  return p;
}

/** A fresh SQLite database with the SQLite migrations, removed after the file. */
function openSqlite(): Sqlite {
  const dir = mkdtempSync(join(tmpdir(), "cg-sqlite-ref-"));
  const db = openDatabase(join(dir, "s.db"));
  closers.push(async () => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

async function migratedPool(): Promise<pg.Pool> {
  const p = await pool(await server.createDatabase());
  expect(await migrate(p)).toEqual(ALL_VERSIONS);
  return p;
}

describe("migrate", () => {
  test("applies the baseline as version 11 (SQLite's 1-11) and every later version, and nothing on the second run", async () => {
    const p = await pool(await server.createDatabase());
    expect(await migrate(p)).toEqual(ALL_VERSIONS);
    expect(await migrate(p)).toEqual([]);
    const { rows } = await p.query("SELECT version, applied_at FROM schema_migrations");
    expect(rows.map((r) => r.version)).toEqual(ALL_VERSIONS);
    expect(typeof rows[0].applied_at).toBe("number");
    // Both lists end at the same version: a migration added to one needs its twin in the other.
    expect(PG_MIGRATIONS.at(-1)!.version).toBe(MIGRATIONS.at(-1)!.version);
  });

  test("three gateways starting at once apply the baseline exactly once", async () => {
    const url = await server.createDatabase();
    const runners = await Promise.all([pool(url), pool(url), pool(url)]);
    const results = await Promise.all(runners.map((p) => migrate(p)));
    expect(results.sort((a, b) => b.length - a.length)).toEqual([ALL_VERSIONS, [], []]);
    const { rows } = await runners[0]!.query("SELECT version FROM schema_migrations");
    expect(rows).toEqual(ALL_VERSIONS.map((version) => ({ version })));
  });

  test("the advisory lock serialises whole runs: a slow migration's side effect happens once, not three times", async () => {
    const url = await server.createDatabase();
    const runners = await Promise.all([pool(url), pool(url), pool(url)]);
    // Without the lock all three would read "version 1 missing" before the first one commits (it sleeps).
    const slow = [{ version: 1, sql: "CREATE TABLE IF NOT EXISTS ran (n int); INSERT INTO ran VALUES (1); SELECT pg_sleep(0.3);" }];
    const results = await Promise.all(runners.map((p) => migrate(p, slow)));
    expect(results.flat()).toEqual([1]);
    expect((await runners[0]!.query("SELECT count(*) AS n FROM ran")).rows[0].n).toBe(1);
  });

  test("a failing migration leaves no trace of itself; the ones before it stay applied", async () => {
    const p = await pool(await server.createDatabase());
    const list = [
      { version: 1, sql: "CREATE TABLE a (x int)" },
      { version: 2, sql: "CREATE TABLE b (x int); SELECT no_such_function();" },
    ];
    await expect(migrate(p, list)).rejects.toThrow(/migration 2 failed: .*no_such_function/);
    const { rows } = await p.query("SELECT version FROM schema_migrations");
    expect(rows).toEqual([{ version: 1 }]);
    expect((await p.query("SELECT to_regclass('b') AS b")).rows[0].b).toBeNull();
    // The lock was released with the failed run's session: the next run gets it and fails the same way.
    await expect(migrate(p, list)).rejects.toThrow(/migration 2 failed/);
  });
});

describe("baseline schema", () => {
  test("has SQLite's tables, columns (nullability, kind), indexes and triggers", async () => {
    const p = await migratedPool();
    const sqlite = openSqlite();
    const kind = (t: string) =>
      /INT/i.test(t) ? "integer" : /REAL|DOUBLE/i.test(t) ? "real" : /TEXT|JSON/i.test(t) ? "text" : /BLOB|BYTEA/i.test(t) ? "bytes" : t;
    const sqliteTables = (sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                                           ORDER BY name`).pluck().all() as string[]);
    const fromSqlite = sqliteTables.flatMap((t) =>
      (sqlite.prepare(`PRAGMA table_info(${t})`).all() as { name: string; type: string; notnull: number; pk: number }[]).map(
        // A primary key column is NOT NULL in PostgreSQL whatever it declares.
        (c) => `${t}.${c.name} ${kind(c.type)}${c.notnull || c.pk ? " not null" : ""}`,
      ),
    ).sort();
    const { rows } = await p.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' ORDER BY table_name, column_name`,
    );
    const fromPg = rows
      .map((c) => `${c.table_name}.${c.column_name} ${kind(c.data_type)}${c.is_nullable === "NO" ? " not null" : ""}`)
      .sort();
    expect(fromPg).toEqual(fromSqlite);

    const sqliteNames = (type: string) =>
      (sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all(type) as string[]);
    const pgIndexes = (await p.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey'
                                      AND indexname NOT LIKE '%_key' ORDER BY indexname`)).rows.map((r) => r.indexname);
    expect(pgIndexes).toEqual(sqliteNames("index"));
    const pgTriggers = (await p.query(`SELECT DISTINCT trigger_name FROM information_schema.triggers ORDER BY trigger_name`)).rows.map(
      (r) => r.trigger_name,
    );
    expect(pgTriggers).toEqual(sqliteNames("trigger"));
  });

  test("BIGINT columns and sums come back as numbers", async () => {
    const p = await migratedPool();
    const at = 1_780_000_000_123; // epoch ms beyond 2^32
    await p.query(`INSERT INTO jobs (id, prompt, model, status, created_at) VALUES ('n1', 'p', 'haiku', 'queued', $1)`, [at]);
    const { rows } = await p.query("SELECT seq, created_at, attempts FROM jobs WHERE id = 'n1'");
    expect(rows[0]).toEqual({ seq: 1, created_at: at, attempts: 0 });
    // SUM over BIGINT is NUMERIC in PostgreSQL; COUNT is BIGINT.
    const sums = await p.query("SELECT SUM(n) AS total, COUNT(*) AS statuses FROM job_counts");
    expect(sums.rows[0]).toEqual({ total: 1, statuses: 5 });
  });
});

describe("workspace_blobs", () => {
  test("takes unstorage db0's own insert and upsert: a key past 255 characters, bytes back as written", async () => {
    const p = await migratedPool();
    const key = `s1:${"d/".repeat(300)}f.bin`; // a session id and a deep path: VARCHAR(255), the driver's choice, would refuse it
    // The statement of unstorage/drivers/db0.mjs setItemRaw for PostgreSQL, with db0's ? placeholders numbered.
    const upsert = `INSERT INTO workspace_blobs (key, blob, created_at, updated_at) VALUES ($1, $2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
                    ON CONFLICT(key) DO UPDATE SET blob = $2, updated_at = CURRENT_TIMESTAMP`;
    await p.query(upsert, [key, Buffer.from([0, 1, 2])]);
    await p.query(upsert, [key, Buffer.from([0, 255, 10, 13])]);
    const { rows } = await p.query("SELECT blob, created_at FROM workspace_blobs WHERE key = $1", [key]);
    expect(rows).toHaveLength(1);
    expect(rows[0].blob).toEqual(Buffer.from([0, 255, 10, 13]));
    expect(rows[0].created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
  });
});

// The same statements on both engines; the trigger-kept tables must end up identical. Portable SQL only.
const SCENARIO = [
  `INSERT INTO jobs (id, prompt, model, status, created_at, owner) VALUES ('op1', 'p', 'sonnet', 'queued', 1000, '')`,
  `INSERT INTO jobs (id, prompt, model, status, created_at, owner) VALUES ('a1', 'p', 'haiku', 'queued', 1001, 'k1')`,
  `INSERT INTO jobs (id, prompt, model, status, created_at, owner) VALUES ('a2', 'p', 'haiku', 'queued', 1002, 'k1')`,
  `INSERT INTO jobs (id, prompt, model, status, created_at, owner) VALUES ('a3', 'p', 'haiku', 'queued', 1003, 'k1')`,
  `INSERT INTO jobs (id, prompt, model, status, created_at, owner) VALUES ('b1', 'p', 'haiku', 'queued', 1004, 'k2')`,
  // claim op1 and a1; a status "update" to the same status and an update of another column change no count
  `UPDATE jobs SET status = 'processing', started_at = 2000, attempts = attempts + 1 WHERE id IN ('op1', 'a1')`,
  `UPDATE jobs SET status = 'processing' WHERE id = 'a1'`,
  `UPDATE jobs SET result = 'partial' WHERE id = 'a2'`,
  // runs end: op1 completes on 1970-01-02, a1 fails on the same day as a2 later: the ledger adds them up
  `UPDATE jobs SET status = 'completed', completed_at = 86400000 + 5000,
     stats = '{"usage":{"input_tokens":10,"output_tokens":20,"cache_creation_input_tokens":3,"cache_read_input_tokens":4},"cost_usd":0.25}'
   WHERE id = 'op1'`,
  `UPDATE jobs SET status = 'failed', completed_at = 3000, stats = '{"usage":{"input_tokens":1},"cost_usd":0.5}' WHERE id = 'a1'`,
  `UPDATE jobs SET status = 'processing', started_at = 3500, attempts = 1 WHERE id = 'a2'`,
  `UPDATE jobs SET status = 'cancelled', completed_at = 4500, stats = NULL WHERE id = 'a2'`,
  // cancelled while queued: never ran, no ledger row for k2
  `UPDATE jobs SET status = 'cancelled', completed_at = 5000 WHERE id = 'b1'`,
  // a queued job deleted (owner_queue and job_counts go down), a terminal one deleted (only job_counts)
  `DELETE FROM jobs WHERE id = 'a3'`,
  `DELETE FROM jobs WHERE id = 'b1'`,
  // dependents of op1 and a1; then op1 goes, taking its events, deliveries (with attempts) and idempotency rows
  `INSERT INTO job_events (job_id, seq, event, data, created_at) VALUES ('op1', 1, 'start', '{}', 1), ('op1', 2, 'result', '{}', 2), ('a1', 1, 'start', '{}', 1)`,
  `INSERT INTO webhook_deliveries (id, job_id, type, url, payload, status, max_attempts, created_at)
     VALUES ('d1', 'op1', 'job.completed', 'http://x', '{}', 'delivered', 3, 1), ('d2', 'a1', 'job.failed', 'http://x', '{}', 'pending', 3, 1)`,
  `INSERT INTO webhook_attempts (delivery_id, n, at, status_code, duration_ms) VALUES ('d1', 1, 1, 200, 5), ('d2', 1, 1, 500, 5)`,
  `INSERT INTO idempotency_keys (scope, key, body_hash, status_code, response, job_id, created_at)
     VALUES ('s', 'k-op1', 'h', 202, '{}', 'op1', 1), ('s', 'k-a1', 'h', 202, '{}', 'a1', 1)`,
  `DELETE FROM jobs WHERE id = 'op1'`,
];

const SNAPSHOT = {
  job_counts: "SELECT status, n FROM job_counts ORDER BY status",
  owner_queue: "SELECT owner, queued, running, served, arrived FROM owner_queue ORDER BY owner",
  usage_ledger: "SELECT * FROM usage_ledger ORDER BY owner, day, model",
  jobs: "SELECT id FROM jobs ORDER BY id",
  job_events: "SELECT job_id, seq FROM job_events ORDER BY job_id, seq",
  webhook_deliveries: "SELECT id FROM webhook_deliveries ORDER BY id",
  webhook_attempts: "SELECT delivery_id, n FROM webhook_attempts ORDER BY delivery_id, n",
  idempotency_keys: "SELECT key FROM idempotency_keys ORDER BY key",
};

describe("triggers", () => {
  test("job_counts, owner_queue, usage_ledger and the delete cascade end as SQLite's do", async () => {
    const p = await migratedPool();
    const sqlite = openSqlite();
    for (const sql of SCENARIO) {
      sqlite.exec(sql);
      await p.query(sql);
    }
    const pgSnap: Record<string, unknown[]> = {};
    const sqliteSnap: Record<string, unknown[]> = {};
    for (const [name, sql] of Object.entries(SNAPSHOT)) {
      pgSnap[name] = (await p.query(sql)).rows;
      sqliteSnap[name] = sqlite.prepare(sql).all();
    }
    expect(pgSnap).toEqual(sqliteSnap);

    // And the values themselves, so two engines wrong the same way cannot pass.
    expect(pgSnap.job_counts).toEqual([
      { status: "cancelled", n: 1 },
      { status: "completed", n: 0 },
      { status: "failed", n: 1 },
      { status: "processing", n: 0 },
      { status: "queued", n: 0 },
    ]);
    expect(pgSnap.owner_queue).toEqual([
      { owner: "", queued: 0, running: 0, served: 0, arrived: 1 },
      { owner: "k1", queued: 0, running: 0, served: 0, arrived: 2 },
      { owner: "k2", queued: 0, running: 0, served: 0, arrived: 5 },
    ]);
    const run = { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 };
    expect(pgSnap.usage_ledger).toEqual([
      { owner: "", day: "1970-01-02", model: "sonnet", jobs: 1, input_tokens: 10, output_tokens: 20,
        cache_creation_input_tokens: 3, cache_read_input_tokens: 4, cost_usd: 0.25, run_ms: 86_400_000 + 3000 },
      { ...run, owner: "k1", day: "1970-01-01", model: "haiku", jobs: 2, input_tokens: 1, cost_usd: 0.5, run_ms: 1000 + 1000 },
    ]);
    expect(pgSnap.jobs).toEqual([{ id: "a1" }, { id: "a2" }]);
    expect(pgSnap.job_events).toEqual([{ job_id: "a1", seq: 1 }]);
    expect(pgSnap.webhook_deliveries).toEqual([{ id: "d2" }]);
    expect(pgSnap.webhook_attempts).toEqual([{ delivery_id: "d2", n: 1 }]);
    expect(pgSnap.idempotency_keys).toEqual([{ key: "k-a1" }]);
  });

  test("counts stay equal to a count over the jobs under concurrent submits and claims", async () => {
    const p = await migratedPool();
    const owners = ["", "k1", "k2"];
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        p.query(`INSERT INTO jobs (id, prompt, model, status, created_at, owner) VALUES ($1, 'p', 'haiku', 'queued', $2, $3)`, [
          `c${i}`, 1000 + i, owners[i % 3],
        ]),
      ),
    );
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        p.query(`UPDATE jobs SET status = 'processing', started_at = 2000 WHERE id = $1`, [`c${i * 3}`]),
      ),
    );
    const kept = await p.query("SELECT owner, queued, running FROM owner_queue ORDER BY owner");
    const counted = await p.query(`SELECT owner, COUNT(*) FILTER (WHERE status = 'queued')::int AS queued,
                                     COUNT(*) FILTER (WHERE status = 'processing')::int AS running
                                   FROM jobs GROUP BY owner ORDER BY owner`);
    expect(kept.rows).toEqual(counted.rows);
    expect(kept.rows[0]).toEqual({ owner: "", queued: 0, running: 20 });
    const counts = await p.query("SELECT status, n FROM job_counts WHERE status IN ('queued', 'processing') ORDER BY status");
    expect(counts.rows).toEqual([{ status: "processing", n: 20 }, { status: "queued", n: 40 }]);
  });
});
