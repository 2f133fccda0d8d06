// One gateway per database file. A second one would reap the first one's CLIs and re-queue its jobs as if they
// had been interrupted, so it must refuse to start. The lock is an OS lock, released by the kernel when its
// holder dies however it dies (SIGKILL included): a SQLite connection to a sidecar file `<db>.lock` in
// `locking_mode=EXCLUSIVE` that has written once keeps the file's write lock until it closes. Nobody can read
// a file locked that way through SQLite, so who holds it is written next to it, in `<db>.lock.owner`; a record
// left by a dead holder is only ever read after failing to get the lock, so it never blocks a start.
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { createPrivateDir, createPrivateFile } from "./file-modes";

export class DatabaseLockedError extends Error {}

export interface DatabaseLock {
  release(): void;
}

/** Takes the lock for the database at `dbFile` (an absolute path), or throws DatabaseLockedError naming the holder. */
export function lockDatabase(dbFile: string): DatabaseLock {
  const lockFile = `${dbFile}.lock`;
  const ownerFile = `${lockFile}.owner`;
  createPrivateDir(dirname(dbFile));
  createPrivateFile(lockFile);
  const conn = new Database(lockFile, { timeout: 0 });
  try {
    conn.pragma("locking_mode = EXCLUSIVE");
    // BEGIN EXCLUSIVE takes the write lock at once; in exclusive locking mode COMMIT does not give it back.
    conn.exec("BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (x); COMMIT");
  } catch (err) {
    conn.close();
    if ((err as { code?: string }).code !== "SQLITE_BUSY") throw err;
    throw new DatabaseLockedError(`database ${dbFile} is in use by another gateway (${describeOwner(ownerFile)}); not starting`);
  }
  createPrivateFile(ownerFile);
  writeFileSync(ownerFile, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }) + "\n");
  return { release: () => conn.close() };
}

function describeOwner(ownerFile: string): string {
  try {
    const o = JSON.parse(readFileSync(ownerFile, "utf8")) as { pid?: unknown; host?: unknown };
    return `pid ${String(o.pid)} on host ${String(o.host)}`;
  } catch {
    return `holder unknown: no readable ${ownerFile}`; // it crashed between locking and writing the record
  }
}
