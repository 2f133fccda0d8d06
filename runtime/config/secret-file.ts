// Secrets the gateway generates for itself (the API key when none is configured; later the stream and webhook
// signing keys) live next to the database, readable by the service user only, so a restart keeps them.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export function secretPathNextTo(dbPath: string, name: string): string {
  return join(dirname(resolve(dbPath)), name);
}

/** Returns the secret stored at `file`, creating it with `make()` (mode 0600) when absent. */
export function loadOrCreateSecret(file: string, make: () => string): { value: string; created: boolean } {
  try {
    const value = readFileSync(file, "utf8").trim();
    if (value) return { value, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dirname(file), { recursive: true });
  const value = make();
  writeFileSync(file, value + "\n", { mode: 0o600, flag: "w" });
  chmodSync(file, 0o600);
  return { value, created: true };
}
