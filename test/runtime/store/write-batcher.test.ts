// Group commit: units written in one turn share a transaction, and one that fails is rolled back alone.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Sql } from "../../../runtime/store/sql/sql";
import { sqliteSql } from "../../../runtime/store/sql/sqlite-sql";
import { WriteBatcher } from "../../../runtime/store/write-batcher";

describe("WriteBatcher", () => {
  it("commits the units of one turn together, each in a savepoint of its own", async () => {
    const db = new Database(join(mkdtempSync(join(tmpdir(), "cg-batch-")), "b.db"));
    db.exec("CREATE TABLE t (v INTEGER)");
    const sql = sqliteSql(db);
    // Count the outermost transactions (the commits) the batcher opens; nested ones are savepoints of the
    // transaction's own handle, which this wrapper does not see.
    let commits = 0;
    const counting: Sql = {
      dialect: sql.dialect,
      all: (t, p) => sql.all(t, p),
      get: (t, p) => sql.get(t, p),
      value: (t, p) => sql.value(t, p),
      run: (t, p) => sql.run(t, p),
      transaction: (work) => (commits++, sql.transaction(work)),
    };
    const insert = (tx: Sql, v: number) => tx.run("INSERT INTO t (v) VALUES (?)", [v]);
    const batcher = new WriteBatcher(counting);
    const results = await Promise.allSettled([
      batcher.run((tx) => insert(tx, 1)),
      batcher.run(async (tx) => {
        await insert(tx, 2);
        throw new Error("this unit fails");
      }),
      batcher.run((tx) => insert(tx, 3)),
    ]);
    expect(results).toEqual([
      { status: "fulfilled", value: 1 },
      { status: "rejected", reason: new Error("this unit fails") },
      { status: "fulfilled", value: 1 },
    ]);
    expect(db.prepare("SELECT v FROM t ORDER BY v").pluck().all()).toEqual([1, 3]);
    expect(commits).toBe(1);
    // A later turn is a new transaction.
    await batcher.run((tx) => insert(tx, 4));
    expect(commits).toBe(2);
    expect(db.prepare("SELECT v FROM t ORDER BY v").pluck().all()).toEqual([1, 3, 4]);
    db.close();
  });
});
