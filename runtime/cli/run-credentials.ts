// The operator's Claude login, lent to each run's own configuration folder and given back when the run renewed it.
// A run's CLI reads its OAuth token from <CLAUDE_CONFIG_DIR>/.credentials.json and, when the access token has
// expired, refreshes it and rewrites that file; refresh tokens rotate, so the renewed file is the only valid one.
// After the run, a copy whose expiresAt is later than the operator's file's is written back: to a temporary file
// in the same folder, fsynced, then renamed over it (a reader sees the old file or the new, never half of one),
// while holding a lock file, and only if it is still newer than what the operator's file holds by then, so two
// runs renewing at once leave the newer of the two.
import { constants } from "node:fs";
import { chmod, copyFile, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";

export const CREDENTIALS_FILE = ".credentials.json";
/** Operator settings the runs keep using (read-only to them: a copy). */
export const SETTINGS_FILE = "settings.json";
const LOCK_STALE_MS = 10_000;

/** The OAuth expiry a credentials file holds; undefined if unreadable, not JSON, or without one. */
export async function expiresAtOf(file: string): Promise<number | undefined> {
  try {
    const v = JSON.parse(await readFile(file, "utf8"))?.claudeAiOauth?.expiresAt;
    return typeof v === "number" && Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Copies the operator's credentials (0600) and settings into the run's config folder; returns the lent expiry. */
export async function lendCredentials(operatorDir: string, runConfigDir: string): Promise<number | undefined> {
  const src = join(operatorDir, CREDENTIALS_FILE);
  const lent = await expiresAtOf(src);
  for (const name of [CREDENTIALS_FILE, SETTINGS_FILE]) {
    const dst = join(runConfigDir, name);
    try {
      await copyFile(join(operatorDir, name), dst, constants.COPYFILE_EXCL);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue; // the operator has none
      throw err;
    }
    await chmod(dst, 0o600);
  }
  return lent;
}

/**
 * After the run: if its CLI renewed the token (a valid file with a later expiresAt than the one lent), writes it
 * back over the operator's file atomically, under the lock. True when it did.
 */
export async function returnCredentials(operatorDir: string, runConfigDir: string, lent: number | undefined): Promise<boolean> {
  const mine = join(runConfigDir, CREDENTIALS_FILE);
  const renewed = await expiresAtOf(mine);
  if (renewed === undefined || (lent !== undefined && renewed <= lent)) return false;
  const target = join(operatorDir, CREDENTIALS_FILE);
  const data = await readFile(mine);
  return withLock(target + ".lock", async () => {
    const current = await expiresAtOf(target);
    if (current !== undefined && current >= renewed) return false; // another run gave back a newer one
    const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const fh = await open(tmp, "wx", 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
    await syncDir(dirname(target));
    return true;
  });
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    await fh.sync().finally(() => fh.close());
  } catch {
    /* not every file system lets a directory be fsynced; the rename is atomic either way */
  }
}

/**
 * A lock file made with O_EXCL: it holds across the worker threads and across gateway processes sharing the
 * operator's folder. A lock older than LOCK_STALE_MS (its holder died) is broken.
 */
async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    try {
      await (await open(lock, "wx", 0o600)).close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > LOCK_STALE_MS) await rm(lock, { force: true });
      else await new Promise((r) => setTimeout(r, wait));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}
