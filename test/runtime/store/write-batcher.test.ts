// Group commit: units written in one turn share a transaction, and one that fails is rolled back alone.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { WriteBatcher } from "../../../runtime/store/write-batcher";

describe("WriteBatcher", () => {
  it("commits the units of one turn together, each in a savepoint of its own", async () => {
    const db = new Database(join(mkdtempSync(join(tmpdir(), "cg-batch-")), "b.db"));
    db.exec("CREATE TABLE t (v INTEGER)");
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    // Count the outermost transactions (the commits) the batcher opens; nested ones are savepoints.
    let commits = 0;
    const transaction = db.transaction.bind(db);
    const counting = Object.assign(Object.create(db), {
      transaction: (fn: () => unknown) => {
        const t = transaction(fn);
        return () => (db.inTransaction ? t() : (commits++, t()));
      },
    });
    const batcher = new WriteBatcher(counting);
    const results = await Promise.allSettled([
      batcher.run(() => insert.run(1).changes),
      batcher.run(() => {
        insert.run(2);
        throw new Error("this unit fails");
      }),
      batcher.run(() => insert.run(3).changes),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(db.prepare("SELECT v FROM t ORDER BY v").pluck().all()).toEqual([1, 3]);
    expect(commits).toBe(1);
    // A later turn is a new transaction.
    await batcher.run(() => insert.run(4));
    expect(commits).toBe(2);
    db.close();
  });
});
