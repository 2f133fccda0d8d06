// The secrets a SQLite gateway generated into files next to its database (none was configured) become the
// cluster's: the webhook secret keeps signing as receivers expect, and stream URLs already handed out still open.
// The generated API key is not copied: a cluster's operator keys are set on every instance.
import { readFileSync } from "node:fs";
import type pg from "pg";
import { secretPathNextTo } from "../../config/secret-file";

const FILES = { webhook: "claudegate.webhook-secret", stream: "claudegate.stream-secret" } as const;

/** Copies the secret files found next to `sqliteFile` into cluster_secrets; returns the names copied. */
export async function copySecrets(sqliteFile: string, client: pg.ClientBase): Promise<string[]> {
  const copied: string[] = [];
  for (const [name, file] of Object.entries(FILES)) {
    let value: string;
    try {
      value = readFileSync(secretPathNextTo(sqliteFile, file), "utf8").trim();
    } catch {
      continue; // none was generated (it was configured), or it is gone
    }
    if (!value) continue;
    await client.query("INSERT INTO cluster_secrets (name, value) VALUES ($1, $2)", [name, value]);
    copied.push(name);
  }
  return copied;
}
