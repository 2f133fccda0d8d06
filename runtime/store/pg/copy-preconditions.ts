// What must hold before `copyFromSqlite` writes anything (copy-from-sqlite.ts says why each one): the source is
// not in use, it is at this ClaudeGate's schema version with no run left half way, and the target is empty and at
// the same version. Each failure is a CopyRefused with the one line the command prints.
import type Database from "better-sqlite3";
import type pg from "pg";
import { DatabaseLockedError, lockDatabase, type DatabaseLock } from "../db-lock";
import { MIGRATIONS } from "../migrations";
import { quote } from "./copy-rows";
import { CopyRefused } from "./copy-plan";
import { PG_MIGRATIONS } from "./schema";

export function lockSource(file: string, say: (line: string) => void): DatabaseLock | undefined {
  try {
    return lockDatabase(file);
  } catch (e) {
    if (e instanceof DatabaseLockedError) throw new CopyRefused(`${e.message.replace(/; not starting$/, "")}: stop it before copying`);
    const code = (e as NodeJS.ErrnoException).code;
    // A read-only file system (a backup's snapshot) holds no running gateway either: none could write there.
    if (code === "EROFS") {
      say(`cannot take the gateway's lock beside ${file} (${code}); copying without it`);
      return undefined;
    }
    throw e;
  }
}

export function sqliteVersion(sqlite: Database.Database, file: string): number {
  const hasTable = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!hasTable) throw new CopyRefused(`${file} is not a ClaudeGate database (no schema_migrations table)`);
  const version = (sqlite.prepare("SELECT MAX(version) FROM schema_migrations").pluck().get() as number | null) ?? 0;
  const expected = MIGRATIONS.at(-1)!.version;
  if (version < expected) {
    throw new CopyRefused(
      `${file} is at schema version ${version}, this ClaudeGate's is ${expected}: start this ClaudeGate once on it (it migrates the file at start-up), stop it, then copy`,
    );
  }
  if (version > expected) throw new CopyRefused(`${file} is at schema version ${version}, newer than this ClaudeGate's ${expected}: copy with the ClaudeGate that wrote it`);
  if (PG_MIGRATIONS.at(-1)!.version !== expected) throw new Error(`PostgreSQL schema ends at ${PG_MIGRATIONS.at(-1)!.version}, SQLite's at ${expected}`);
  return version;
}

export function refuseInterruptedRuns(sqlite: Database.Database, file: string): void {
  const jobs = sqlite.prepare("SELECT COUNT(*) FROM jobs WHERE status = 'processing'").pluck().get() as number;
  const sessions = sqlite.prepare("SELECT COUNT(*) FROM sessions WHERE running_job IS NOT NULL").pluck().get() as number;
  if (jobs || sessions) {
    throw new CopyRefused(
      `${file} has runs its gateway did not end (${jobs} jobs processing, ${sessions} sessions running): it did not stop cleanly; start it once on the file and stop it (start-up recovery ends them), then copy`,
    );
  }
}

export async function refuseIfJobs(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query("SELECT to_regclass('jobs') IS NOT NULL AS has");
  if (rows[0].has) await refuseNonEmpty(pool, ["jobs"]);
}

export async function refuseOtherVersion(pool: pg.Pool, version: number): Promise<void> {
  const { rows } = await pool.query("SELECT MAX(version) AS v FROM schema_migrations");
  if (rows[0].v !== version) throw new CopyRefused(`the PostgreSQL database is at schema version ${rows[0].v}, the SQLite file at ${version}`);
}

export async function refuseNonEmpty(client: pg.ClientBase | pg.Pool, tables: string[]): Promise<void> {
  const full: string[] = [];
  for (const t of tables) {
    // job_counts holds one zero row per status from the start: empty means every count is 0.
    const where = t === "job_counts" ? " WHERE n <> 0" : "";
    const { rows } = await client.query(`SELECT EXISTS (SELECT 1 FROM ${quote(t)}${where}) AS full`);
    if (rows[0].full) full.push(t);
  }
  if (full.length) {
    throw new CopyRefused(`the PostgreSQL database is not empty (rows in ${full.join(", ")}): the copy only goes into an empty database; nothing was changed`);
  }
}
