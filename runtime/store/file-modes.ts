// The database holds every prompt and result, and the secret files sit next to it: everything we create there is
// the service user's alone (files 0600, directories 0700), whatever the umask says.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";

/** Creates `dir` and any missing parents with mode 0700; a directory that exists is left as it is. */
export function createPrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Creates `file` empty with mode 0600 if it is absent, and takes an existing one down to 0600 (files of older
 * versions were 0644). SQLite gives the -wal and -shm files it creates the mode of the database file.
 */
export function createPrivateFile(file: string): void {
  // Never opens a file that exists: closing any descriptor of a file drops every POSIX lock this process holds
  // on it, and the lock file may be held (db-lock.ts).
  try {
    closeSync(openSync(file, "wx", 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  restrict(file);
}

/** Takes `file` down to 0600 if it exists. */
export function restrictIfExists(file: string): void {
  if (existsSync(file)) restrict(file);
}

function restrict(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch (err) {
    // Not ours to change (another owner); opening it worked, so the gateway can still run.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") throw err;
  }
}
