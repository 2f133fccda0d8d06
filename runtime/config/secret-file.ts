// Secrets the gateway generates for itself (the API key when none is configured; later the stream and webhook
// signing keys) live next to the database, readable by the service user only, so a restart keeps them.
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createPrivateDir } from "../store/file-modes";

export function secretPathNextTo(dbPath: string, name: string): string {
  return join(dirname(resolve(dbPath)), name);
}

/** Returns the secret stored at `file`, creating it with `make()` (mode 0600, in a 0700 directory) when absent. */
export function loadOrCreateSecret(file: string, make: () => string): { value: string; created: boolean } {
  try {
    const value = readFileSync(file, "utf8").trim();
    if (value) return { value, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  createPrivateDir(dirname(file));
  const value = make();
  writeFileSync(file, value + "\n", { mode: 0o600, flag: "w" });
  chmodSync(file, 0o600);
  return { value, created: true };
}
