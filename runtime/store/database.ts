// Opens the SQLite database through db0's better-sqlite3 connector and applies the migrations. The store then
// talks to it through Sql (runtime/store/sql), as to PostgreSQL (runtime/store/pg/open.ts).
import { dirname, resolve } from "node:path";
import { createDatabase } from "db0";
import sqlite from "db0/connectors/better-sqlite3";
import type BetterSqlite3 from "better-sqlite3";
import { createPrivateDir, createPrivateFile, restrictIfExists } from "./file-modes";
import { MIGRATIONS } from "./migrations";
import { enableIncrementalVacuum, reclaimSpace } from "./reclaim-space";
import type { Dialect, Sql } from "./sql/sql";
import { sqliteSql } from "./sql/sqlite-sql";

export type Sqlite = BetterSqlite3.Database;

/** A database the gateway has opened, whichever engine it is. */
export interface OpenDatabase {
  engine: Dialect;
  sql: Sql;
  /** Gives the space of deleted rows back (SQLite's incremental vacuum; nothing on PostgreSQL). */
  reclaim: () => void;
  close(): Promise<void>;
}

export function openSqlite(path: string): OpenDatabase & { db: Sqlite } {
  const db = openDatabase(path);
  return {
    engine: "sqlite",
    db,
    sql: sqliteSql(db),
    reclaim: () => void reclaimSpace(db),
    close: async () => void db.close(),
  };
}

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
