// Giving disk space back. SQLite keeps the pages of deleted rows as free pages inside the file, so a database
// that once held many large jobs stays that large. With auto_vacuum=INCREMENTAL, `PRAGMA incremental_vacuum`
// moves free pages to the end of the file and truncates it (in WAL mode the file shrinks at the checkpoint
// after that).
// The handle type comes from better-sqlite3 itself: database.ts imports this file, so naming its Sqlite alias
// here would close an import cycle.
import type BetterSqlite3 from "better-sqlite3";
import { log } from "../log";

const INCREMENTAL = 2; // PRAGMA auto_vacuum's value for INCREMENTAL

/** Free pages worth a vacuum: about 1 MiB at the default 4 KiB page size. Fewer are reused by the next inserts. */
export const RECLAIM_MIN_FREE_PAGES = 256;

/**
 * Sets auto_vacuum=INCREMENTAL. A new database takes it before its first table; an existing one (made
 * before this setting) needs one full VACUUM to switch, done once here at open and logged: it rewrites the file.
 */
export function enableIncrementalVacuum(db: BetterSqlite3.Database): void {
  if (db.pragma("auto_vacuum", { simple: true }) === INCREMENTAL) return;
  db.pragma("auto_vacuum = INCREMENTAL");
  if (db.pragma("auto_vacuum", { simple: true }) === INCREMENTAL) return; // no table yet: set for good
  const started = Date.now();
  db.exec("VACUUM");
  log("info", "database: switched to incremental vacuum (one-time VACUUM)", { ms: Date.now() - started });
}

/** Truncates the file by its free pages when there are enough of them; returns how many pages were freed. */
export function reclaimSpace(db: BetterSqlite3.Database, minFreePages = RECLAIM_MIN_FREE_PAGES): number {
  const free = db.pragma("freelist_count", { simple: true }) as number;
  if (free < minFreePages) return 0;
  db.pragma("incremental_vacuum");
  return free;
}
