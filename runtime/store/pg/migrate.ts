// Applies the PostgreSQL migrations (schema.ts) that a database has not recorded yet. Several gateways may start
// at once against one database: the whole run holds a session advisory lock, so the others wait, then find
// every version recorded and apply nothing. Each migration runs in its own transaction with its version row, so
// a failure leaves the database at the previous version, never half way.
import type pg from "pg";
import { ADVISORY_KEYS, ADVISORY_NAMESPACE } from "./advisory-locks";
import { PG_MIGRATIONS } from "./schema";

export interface Migration {
  version: number;
  sql: string;
}

export interface MigrateBounds {
  /** How long a gateway waits for another one's migration run before it gives up starting. */
  lockWaitMs: number;
  /** One migration at most: longer than the pool's statement bound (an index over a large table). */
  migrationMs: number;
}

export const MIGRATE_BOUNDS: MigrateBounds = { lockWaitMs: 5 * 60_000, migrationMs: 30 * 60_000 };

// The client-side reply bound beyond the server-side one, as in pool.ts.
const REPLY_MARGIN_MS = 2_000;

/** Returns the versions this call applied (empty when the database was current). */
export async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[] = PG_MIGRATIONS,
  bounds: MigrateBounds = MIGRATE_BOUNDS,
): Promise<number[]> {
  const client = await pool.connect();
  // The pool's statement bounds are for requests; this session sets its own, server side and client side.
  // (pg honours a per-query query_timeout; @types/pg does not declare it.)
  const run = (text: string, values: unknown[] = [], ms = bounds.migrationMs): Promise<pg.QueryResult> =>
    client.query({ text, values, query_timeout: ms + REPLY_MARGIN_MS } as pg.QueryConfig);
  const timeout = (ms: number) => run(`SET statement_timeout = ${Math.max(1, Math.floor(ms))}`);
  let broken: Error | undefined;
  try {
    await timeout(bounds.lockWaitMs);
    await run("SELECT pg_advisory_lock($1, $2)", [ADVISORY_NAMESPACE, ADVISORY_KEYS.migrate], bounds.lockWaitMs);
    try {
      await timeout(bounds.migrationMs);
      return await applyPending(run, migrations);
    } finally {
      await run("SELECT pg_advisory_unlock($1, $2)", [ADVISORY_NAMESPACE, ADVISORY_KEYS.migrate]);
    }
  } catch (e) {
    broken = e as Error;
    throw e;
  } finally {
    // A session that failed half way is not handed back: ending it also drops the lock if unlock never ran.
    client.release(broken);
  }
}

type Run = (text: string, values?: unknown[]) => Promise<pg.QueryResult>;

async function applyPending(run: Run, migrations: readonly Migration[]): Promise<number[]> {
  await run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
  const { rows } = await run("SELECT version FROM schema_migrations");
  const applied = new Set(rows.map((r: { version: number }) => r.version));
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    await run("BEGIN");
    try {
      await run(m.sql);
      await run("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [m.version, Date.now()]);
      await run("COMMIT");
    } catch (e) {
      await run("ROLLBACK").catch(() => {});
      throw new Error(`PostgreSQL migration ${m.version} failed: ${(e as Error).message}`, { cause: e });
    }
    done.push(m.version);
  }
  return done;
}
