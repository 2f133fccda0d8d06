// Sql over one better-sqlite3 connection: a transaction awaits its callback, so statements from outside it must
// wait at the gate until it ends (else they would run inside it, and be committed or rolled back with it); a
// savepoint inside rolls back alone; a failing transaction rolls back and leaves the connection usable.
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Sql } from "../../../../runtime/store/sql/sql";
import { sqliteSql } from "../../../../runtime/store/sql/sqlite-sql";

function fresh() {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (v INTEGER)");
  const sql = sqliteSql(db);
  const values = () => db.prepare("SELECT v FROM t ORDER BY rowid").pluck().all();
  return { db, sql, values };
}

/** A promise and the function that settles it: the test decides when a transaction's callback goes on. */
function latch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Several turns of the event loop: whatever is not waiting on something would have run by then. */
async function turns(n = 5) {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** Tracks whether a promise has settled. */
function watch<T>(p: Promise<T>) {
  const w = { settled: false, promise: p };
  p.then(
    () => (w.settled = true),
    () => (w.settled = true),
  );
  return w;
}

describe("sqliteSql", () => {
  it("runs a statement from outside an open transaction only after its COMMIT, outside it", async () => {
    const { db, sql, values } = fresh();
    const hold = latch();
    let inside!: Sql;
    const tx = watch(
      sql.transaction(async (t) => {
        inside = t;
        await t.run("INSERT INTO t (v) VALUES (1)");
        await hold.opened;
        await t.run("INSERT INTO t (v) VALUES (2)");
        return "done";
      }),
    );
    await turns();
    expect(db.inTransaction).toBe(true);
    const insert = watch(sql.run("INSERT INTO t (v) VALUES (3)"));
    const read = watch(sql.all<{ n: number }>("SELECT COUNT(*) AS n FROM t"));
    await turns();
    expect([insert.settled, read.settled, tx.settled]).toEqual([false, false, false]);
    expect(values()).toEqual([1]); // the outside INSERT did not slip into the transaction
    // The transaction's own handle is not held at the gate.
    expect(await inside.value("SELECT COUNT(*) FROM t")).toBe(1);
    hold.open();
    expect(await tx.promise).toBe("done");
    expect(await insert.promise).toBe(1);
    expect(await read.promise).toEqual([{ n: 3 }]);
    expect(values()).toEqual([1, 2, 3]);
    expect(db.inTransaction).toBe(false);
  });

  it("keeps a statement that waited out a failing transaction: it was never part of it", async () => {
    const { sql, values } = fresh();
    const hold = latch();
    const tx = sql.transaction(async (t) => {
      await t.run("INSERT INTO t (v) VALUES (1)");
      await hold.opened;
      throw new Error("the work fails");
    });
    await turns();
    const insert = sql.run("INSERT INTO t (v) VALUES (2)");
    hold.open();
    await expect(tx).rejects.toThrow("the work fails");
    expect(await insert).toBe(1);
    expect(values()).toEqual([2]);
  });

  it("keeps a statement that waited behind a transaction out of the next waiting transaction, which fails", async () => {
    const { sql, values } = fresh();
    const first = latch();
    const second = latch();
    const t1 = sql.transaction(async () => void (await first.opened));
    await turns();
    // Both wait for t1: the transaction asked first, then a statement from outside.
    const t2 = sql.transaction(async (t) => {
      await t.run("INSERT INTO t (v) VALUES (1)");
      await second.opened;
      throw new Error("the second transaction fails");
    });
    const insert = watch(sql.run("INSERT INTO t (v) VALUES (2)"));
    first.open();
    await t1;
    await turns();
    second.open();
    await expect(t2).rejects.toThrow("the second transaction fails");
    expect(await insert.promise).toBe(1);
    expect(values()).toEqual([2]); // the outside INSERT was not rolled back with t2
  });

  it("runs two transactions one after the other, never interleaved", async () => {
    const { sql, values } = fresh();
    const work = (a: number, b: number) =>
      sql.transaction(async (t) => {
        await t.run("INSERT INTO t (v) VALUES (?)", [a]);
        await turns(2);
        await t.run("INSERT INTO t (v) VALUES (?)", [b]);
      });
    await Promise.all([work(1, 2), work(3, 4)]);
    expect(values()).toEqual([1, 2, 3, 4]);
    // Three that wait together behind an open one start one at a time when it ends.
    const hold = latch();
    const open = sql.transaction(async () => void (await hold.opened));
    await turns();
    const waiting = [work(5, 6), work(7, 8), work(9, 10)];
    hold.open();
    await Promise.all([open, ...waiting]);
    expect(values()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("rolls back a failing savepoint alone and commits the rest of the transaction", async () => {
    const { sql, values } = fresh();
    const result = await sql.transaction(async (t) => {
      await t.run("INSERT INTO t (v) VALUES (1)");
      await expect(
        t.transaction(async (s) => {
          await s.run("INSERT INTO t (v) VALUES (2)");
          throw new Error("the savepoint fails");
        }),
      ).rejects.toThrow("the savepoint fails");
      expect(await t.transaction(async (s) => s.run("INSERT INTO t (v) VALUES (3)"))).toBe(1);
      return t.all<{ v: number }>("SELECT v FROM t ORDER BY v");
    });
    expect(result).toEqual([{ v: 1 }, { v: 3 }]);
    expect(values()).toEqual([1, 3]);
  });

  it("rolls a failing transaction back whole, rejects with its error, and stays usable", async () => {
    const { db, sql, values } = fresh();
    const boom = new Error("the work fails");
    await expect(
      sql.transaction(async (t) => {
        await t.run("INSERT INTO t (v) VALUES (1)");
        await t.transaction(async (s) => s.run("INSERT INTO t (v) VALUES (2)")); // a released savepoint goes too
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(db.inTransaction).toBe(false);
    expect(values()).toEqual([]);
    // A statement that SQLite itself refuses rolls back the same way.
    await expect(
      sql.transaction(async (t) => {
        await t.run("INSERT INTO t (v) VALUES (5)");
        await t.run("INSERT INTO no_such_table (v) VALUES (6)");
      }),
    ).rejects.toThrow(/no such table/);
    expect(values()).toEqual([]);
    await sql.transaction(async (t) => void (await t.run("INSERT INTO t (v) VALUES (7)")));
    expect(await sql.value("SELECT v FROM t")).toBe(7);
  });

  it("binds named and positional parameters, booleans as 1/0 and undefined as NULL", async () => {
    const { sql } = fresh();
    await sql.run("INSERT INTO t (v) VALUES (@v)", { v: true });
    await sql.run("INSERT INTO t (v) VALUES (?)", [false]);
    await sql.run("INSERT INTO t (v) VALUES (?)", [undefined]);
    expect(await sql.all("SELECT v FROM t ORDER BY rowid")).toEqual([{ v: 1 }, { v: 0 }, { v: null }]);
    expect(await sql.get("SELECT v FROM t WHERE v = @v", { v: 0 })).toEqual({ v: 0 });
    expect(await sql.get("SELECT v FROM t WHERE v = 9")).toBeUndefined();
    expect(await sql.value("SELECT v FROM t WHERE v = 9")).toBeUndefined();
  });
});
