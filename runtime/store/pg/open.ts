// Opens the PostgreSQL database named by CLAUDEGATE_DATABASE_URL: the pool, then the migrations (once, under
// an advisory lock, however many gateways start together). The first connection is retried for a while, so a
// gateway started alongside its database waits for it instead of exiting.
import type { OpenDatabase } from "../database";
import { pgSql } from "../sql/pg-sql";
import { migrate } from "./migrate";
import { createPool, type PoolOptions } from "./pool";
import { log } from "../../log";

// Answers that waiting will not change: a wrong password or user, a database that does not exist, no privilege.
const FATAL_CODES = new Set(["28P01", "28000", "3D000", "42501"]);

/** A database the gateway could not reach or migrate at start-up: the operator's to fix. */
export class DatabaseUnavailableError extends Error {}

export async function openPostgres(url: string, options: PoolOptions & { startupWaitMs?: number } = {}): Promise<OpenDatabase & { pool: ReturnType<typeof createPool> }> {
  const pool = createPool(url, options);
  const deadline = Date.now() + (options.startupWaitMs ?? 30_000);
  for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      await migrate(pool);
      break;
    } catch (err) {
      const message = (err as Error).message;
      const hopeless = FATAL_CODES.has(String((err as { code?: unknown }).code)) || /migration \d+ failed/.test(message);
      if (hopeless || Date.now() + delay > deadline) {
        await pool.end().catch(() => {});
        throw new DatabaseUnavailableError(`PostgreSQL (CLAUDEGATE_DATABASE_URL): ${message}`);
      }
      log("warn", "database not reachable yet; retrying", { error: message, retry_ms: delay });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  return {
    engine: "postgres",
    pool,
    sql: pgSql(pool),
    reclaim: () => {},
    close: () => pool.end(),
  };
}
