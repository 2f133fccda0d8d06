// Incremental vacuum: a database made before it is switched once at open, and deleted rows give their pages back.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { enableIncrementalVacuum, reclaimSpace } from "../../../runtime/store/reclaim-space";

const INCREMENTAL = 2;

function filledDb(autoVacuum: boolean) {
  const db = new Database(join(mkdtempSync(join(tmpdir(), "cg-vacuum-")), "v.db"));
  if (autoVacuum) enableIncrementalVacuum(db);
  db.exec("CREATE TABLE t (x TEXT)");
  const insert = db.prepare("INSERT INTO t VALUES (?)");
  for (let i = 0; i < 200; i++) insert.run("x".repeat(20_000));
  return db;
}

describe("incremental vacuum", () => {
  it("switches a database that has tables already (one VACUUM), keeping its rows", () => {
    const db = filledDb(false);
    expect(db.pragma("auto_vacuum", { simple: true })).toBe(0);
    enableIncrementalVacuum(db);
    expect(db.pragma("auto_vacuum", { simple: true })).toBe(INCREMENTAL);
    expect(db.prepare("SELECT COUNT(*) FROM t").pluck().get()).toBe(200);
  });

  it("truncates the free pages of deleted rows once there are enough of them", () => {
    const db = filledDb(true);
    const full = db.pragma("page_count", { simple: true }) as number;
    db.exec("DELETE FROM t WHERE rowid <= 2");
    expect(reclaimSpace(db)).toBe(0); // a few free pages are left for the next inserts
    db.exec("DELETE FROM t");
    const free = db.pragma("freelist_count", { simple: true }) as number;
    expect(free).toBeGreaterThan(900);
    expect(reclaimSpace(db)).toBe(free);
    expect(db.pragma("freelist_count", { simple: true })).toBe(0);
    expect(db.pragma("page_count", { simple: true }) as number).toBeLessThan(full - 900);
  });
});
