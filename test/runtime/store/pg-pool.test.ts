// The PostgreSQL pool on a real server: numbers for BIGINT and NUMERIC, bounded waits, dead connections that
// never crash the process, transactions that roll back; and a probe of LISTEN/NOTIFY as the cluster's event
// streams will use it (a dedicated listener connection, notify an id, read the committed row).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPool } from "../../../runtime/store/pg/pool";
import { transaction } from "../../../runtime/store/pg/transaction";
import { startPostgres, type TestPostgres } from "../../support/postgres";

let server: TestPostgres;
let url: string;
const closers: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase();
});
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  await server?.stop();
});

function pool(options?: Parameters<typeof createPool>[1]): pg.Pool {
  const p = createPool(url, options);
  closers.push(() => p.end());
  return p;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("type parsing", () => {
  test("BIGINT and NUMERIC come back as numbers; NULL stays null", async () => {
    const { rows } = await pool().query(`SELECT 1780000000123::bigint AS ms, 9007199254740991::bigint AS max,
      NULL::bigint AS none, SUM(x) AS sum, 0.25::numeric AS frac, COUNT(*) AS n
      FROM (VALUES (1::bigint), (2::bigint)) AS t(x)`);
    expect(rows[0]).toEqual({ ms: 1_780_000_000_123, max: Number.MAX_SAFE_INTEGER, none: null, sum: 3, frac: 0.25, n: 2 });
  });

  test("a value a number cannot hold exactly fails the query instead of being rounded", async () => {
    const p = pool();
    await expect(p.query("SELECT 9007199254740993::bigint AS x")).rejects.toThrow(/BIGINT 9007199254740993 does not fit/);
    await expect(p.query("SELECT 123456789012345678901234::numeric AS x")).rejects.toThrow(/NUMERIC .* does not fit/);
    expect((await p.query("SELECT 1::bigint AS x")).rows).toEqual([{ x: 1 }]); // the pool is still usable
  });

  test("the parsers are the pool's own: another pg client in the process still gets strings", async () => {
    pool();
    const c = new pg.Client(url);
    await c.connect();
    closers.push(() => c.end());
    expect((await c.query("SELECT 5::bigint AS x")).rows).toEqual([{ x: "5" }]);
  });
});

describe("bounds", () => {
  test("a statement past statementTimeoutMs is cancelled by the server", async () => {
    const p = pool({ statementTimeoutMs: 200 });
    const t0 = Date.now();
    await expect(p.query("SELECT pg_sleep(5)")).rejects.toMatchObject({ code: "57014" }); // query_canceled
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  test("waiting for a connection when the pool is exhausted ends after connectTimeoutMs", async () => {
    const p = pool({ max: 1, connectTimeoutMs: 300 });
    const held = await p.connect();
    const t0 = Date.now();
    await expect(p.query("SELECT 1")).rejects.toThrow(/timeout/i);
    expect(Date.now() - t0).toBeLessThan(2_000);
    held.release();
  });

  test("a transaction left idle by a stalled process loses its session, and its row lock with it", async () => {
    const p = pool({ idleInTransactionTimeoutMs: 300 });
    const stalled = await p.connect();
    let lost: Error | undefined;
    stalled.on("error", (e) => (lost = e));
    await p.query("CREATE TABLE IF NOT EXISTS locked (id int PRIMARY KEY, v int)");
    await p.query("INSERT INTO locked VALUES (1, 0) ON CONFLICT DO NOTHING");
    await stalled.query("BEGIN");
    await stalled.query("SELECT * FROM locked WHERE id = 1 FOR UPDATE");
    // Blocks on the row lock until the server ends the idle transaction; well inside the 10 s statement bound.
    const t0 = Date.now();
    await p.query("UPDATE locked SET v = v + 1 WHERE id = 1");
    expect(Date.now() - t0).toBeLessThan(5_000);
    await until("the stalled client to hear its session ended", () => lost !== undefined);
    stalled.release(lost);
  });
});

describe("dead connections", () => {
  test("an idle pooled client whose backend is terminated is dropped and does not crash the process", async () => {
    const p = pool();
    const { rows } = await p.query("SELECT pg_backend_pid() AS pid");
    expect(p.idleCount).toBe(1);
    const admin = pool();
    await admin.query("SELECT pg_terminate_backend($1)", [rows[0].pid]);
    await until("the pool to drop the dead client", () => p.totalCount === 0);
    expect((await p.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
  });

  test("a transaction whose connection dies mid-way rejects, and the dead client is not reused", async () => {
    const p = pool();
    const admin = pool();
    await p.query("CREATE TABLE IF NOT EXISTS tx (v int)");
    let pid = 0;
    await expect(
      transaction(p, async (c) => {
        pid = (await c.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
        await c.query("INSERT INTO tx VALUES (1)");
        await admin.query("SELECT pg_terminate_backend($1)", [pid]);
        await c.query("INSERT INTO tx VALUES (2)");
      }),
    ).rejects.toThrow();
    expect((await p.query("SELECT count(*) AS n FROM tx")).rows).toEqual([{ n: 0 }]);
    expect((await p.query("SELECT pg_backend_pid() AS pid")).rows[0].pid).not.toBe(pid);
  });

  test("a transaction commits its work, or rolls all of it back when the work throws", async () => {
    const p = pool();
    await p.query("CREATE TABLE IF NOT EXISTS tx2 (v int)");
    expect(await transaction(p, async (c) => (await c.query("INSERT INTO tx2 VALUES (1) RETURNING v")).rows[0].v)).toBe(1);
    await expect(
      transaction(p, async (c) => {
        await c.query("INSERT INTO tx2 VALUES (2)");
        throw new Error("domain says no");
      }),
    ).rejects.toThrow("domain says no");
    expect((await p.query("SELECT v FROM tx2 ORDER BY v")).rows).toEqual([{ v: 1 }]);
  });
});

describe("LISTEN/NOTIFY probe", () => {
  test("a notification arrives on a dedicated listener after its transaction commits, and the row is readable", async () => {
    const p = pool();
    await p.query("CREATE TABLE IF NOT EXISTS ev (id bigint PRIMARY KEY, data text)");
    const listener = new pg.Client(url); // a pooled client would go back to the pool and stop listening
    await listener.connect();
    closers.push(() => listener.end());
    const heard: string[] = [];
    listener.on("notification", (n) => n.channel === "cg_events" && heard.push(n.payload ?? ""));
    await listener.query("LISTEN cg_events");

    const writer = await p.connect();
    await writer.query("BEGIN");
    await writer.query("INSERT INTO ev VALUES (1, 'chunk one')");
    await writer.query("SELECT pg_notify('cg_events', '1')");
    // A notification from another session that commits first arrives first; the open one is still held back.
    await p.query("SELECT pg_notify('cg_events', 'other')");
    await until("the committed notification", () => heard.includes("other"));
    expect(heard).toEqual(["other"]);
    await writer.query("COMMIT");
    writer.release();
    await until("the notification of the committed row", () => heard.length === 2);
    expect(heard).toEqual(["other", "1"]);
    // Notify the id, read the row: the notifier's transaction is visible by the time the listener hears of it.
    expect((await p.query("SELECT data FROM ev WHERE id = $1", [Number(heard[1])])).rows).toEqual([{ data: "chunk one" }]);
  });

  test("a payload must stay under 8,000 bytes", async () => {
    const p = pool();
    await expect(p.query("SELECT pg_notify('cg_events', $1)", ["x".repeat(7_999)])).resolves.toBeDefined();
    await expect(p.query("SELECT pg_notify('cg_events', $1)", ["x".repeat(8_000)])).rejects.toThrow(/payload string too long/);
  });
});
