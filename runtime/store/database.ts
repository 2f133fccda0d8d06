// Opens the SQLite database through db0's better-sqlite3 connector and applies the migrations.
// db0 has no pragma or transaction API, so those go through the raw better-sqlite3 handle (as do the hot-path
// statements, which we prepare once and reuse).
import { dirname, resolve } from "node:path";
import { createDatabase } from "db0";
import sqlite from "db0/connectors/better-sqlite3";
import type BetterSqlite3 from "better-sqlite3";
import { createPrivateDir, createPrivateFile, restrictIfExists } from "./file-modes";
import { MIGRATIONS } from "./migrations";
import { enableIncrementalVacuum } from "./reclaim-space";

export type Sqlite = BetterSqlite3.Database;
export type Db0 = ReturnType<typeof createDatabase>;

/** The db0 database each handle was opened through, for libraries that take one (unstorage's db0 driver). */
const db0s = new WeakMap<Sqlite, Db0>();
export const db0Of = (db: Sqlite): Db0 | undefined => db0s.get(db);

export function openDatabase(path: string): Sqlite {
  const file = resolve(path);
  createPrivateDir(dirname(file));
  // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database file's mode.
  createPrivateFile(file);
  for (const side of ["-wal", "-shm"]) restrictIfExists(file + side);
  const db0 = createDatabase(sqlite({ path: file }));
  // Typed as possibly async across connectors; the better-sqlite3 connector returns the handle synchronously.
  const db = db0.getInstance() as unknown as Sqlite;
  enableIncrementalVacuum(db); // before the first table exists, or a one-time VACUUM for an older database
  db.pragma("journal_mode = WAL");
  db.pragma("journal_size_limit = 67108864"); // a WAL grown by a burst shrinks back to 64 MiB at the next checkpoint
  db.pragma("busy_timeout = 10000");
  db.pragma("synchronous = NORMAL"); // with WAL: durable across a process crash, one fsync per checkpoint
  db.pragma("foreign_keys = ON");
  migrate(db);
  db0s.set(db, db0);
  return db;
}

function migrate(db: Sqlite): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const applied = new Set(
    db.prepare("SELECT version FROM schema_migrations").pluck().all() as number[],
  );
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(m.version, Date.now());
    })();
  }
}
