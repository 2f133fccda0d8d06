// test/support/database.ts: the same SQL, with `?` placeholders, gives the same rows on an SQLite file and on a
// PostgreSQL database, BIGINTs as numbers on both.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { dollarParams, openDatabase, withDatabase } from "./database";
import { databaseUrlFor } from "./test-backend";

const SCHEMA = "CREATE TABLE jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at BIGINT NOT NULL)";
const ROWS: [string, string, number][] = [
  ["a", "queued", 1_764_000_000_000],
  ["b", "completed", 1_764_000_000_001],
  ["c", "completed", 1_764_000_000_002],
];

async function sqliteFile(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), "cg-test-")), "claudegate.db");
  const db = new Database(path);
  db.exec(SCHEMA);
  for (const r of ROWS) db.prepare("INSERT INTO jobs VALUES (?, ?, ?)").run(...r);
  db.close();
  return path;
}

async function postgresDatabase(): Promise<string> {
  const url = await databaseUrlFor(`database.test ${Math.random()}`);
  await withDatabase({ backend: "postgres", url }, async (db) => {
    await db.run(SCHEMA);
    for (const r of ROWS) await db.run("INSERT INTO jobs VALUES (?, ?, ?)", ...r);
  });
  return url;
}

describe("a gateway's database from outside", () => {
  it.each([
    ["sqlite", async () => ({ backend: "sqlite" as const, path: await sqliteFile() })],
    ["postgres", async () => ({ backend: "postgres" as const, url: await postgresDatabase() })],
  ])("on %s: value, get, all and run with ? placeholders", async (_, where) => {
    const w = await where();
    await withDatabase(w, async (db) => {
      expect(await db.value("SELECT COUNT(*) FROM jobs WHERE status = ?", "completed")).toBe(2);
      expect(await db.value("SELECT status FROM jobs WHERE id = ?", "nope")).toBeUndefined();
      expect(await db.get("SELECT id, created_at FROM jobs WHERE id = ?", "a")).toStrictEqual({ id: "a", created_at: 1_764_000_000_000 });
      expect(await db.all("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status ORDER BY status")).toStrictEqual([
        { status: "completed", n: 2 },
        { status: "queued", n: 1 },
      ]);
    }, { readonly: false });
    await withDatabase(w, (db) => db.run("UPDATE jobs SET created_at = ? WHERE id = ?", 5, "b"), { readonly: false });
    const db = await openDatabase(w);
    try {
      expect(await db.value("SELECT created_at FROM jobs WHERE id = ?", "b")).toBe(5);
    } finally {
      await db.close();
    }
  });

  it("opens an SQLite file read-only unless asked", async () => {
    const path = await sqliteFile();
    await expect(withDatabase({ backend: "sqlite", path }, (db) => db.run("DELETE FROM jobs"))).rejects.toThrow(/readonly/);
  });

  it("numbers the placeholders for PostgreSQL", () => {
    expect(dollarParams("UPDATE jobs SET a = ?, b = ? WHERE id = ?")).toBe("UPDATE jobs SET a = $1, b = $2 WHERE id = $3");
  });
});
