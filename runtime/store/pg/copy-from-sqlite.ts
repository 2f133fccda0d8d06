// Copies a SQLite deployment's database into an empty PostgreSQL database (`npm run migrate-to-postgres`).
//
// - The SQLite file is opened read-only, under the gateway's own database lock (db-lock.ts), so a gateway still
//   running on it makes the copy refuse, and no gateway can start on it while the copy reads.
// - Both sides must be at this ClaudeGate's schema version. An older SQLite file is refused, not migrated here: the
//   copy never writes to the source, and starting this ClaudeGate once on the file migrates it anyway.
// - The target gets the PostgreSQL migrations first, then everything is copied in ONE transaction with its tables
//   locked: a failure or an interrupted copy leaves the target as empty as it was, and the copy is simply run
//   again (there is no resume: a copy is all or nothing). A target holding any data is refused before anything.
// - A file left by a gateway that did not stop cleanly (jobs still `processing`, sessions marked running) is
//   refused: those runs are gone, and ending them (requeue counting the attempt, or fail) is the SQLite gateway's
//   start-up recovery, which one start and stop of it performs. Copied as they are, they would wait for a run
//   that no instance has.
// - Counter tables are recomputed by the jobs triggers, not copied (copy-plan.ts, DERIVED).
// - Identity sequences (jobs.seq) continue after the highest value SQLite ever handed out, and every table's row
//   count is checked against SQLite's before COMMIT.
import { existsSync } from "node:fs";
import { copySecrets } from "./copy-secrets";
import { resolve } from "node:path";
import Database from "better-sqlite3";
import type pg from "pg";
import { BATCH_BOUNDS, copyRows, quote, type BatchBounds } from "./copy-rows";
import { CopyRefused, planTables, type TablePlan } from "./copy-plan";
import {
  lockSource,
  refuseIfJobs,
  refuseInterruptedRuns,
  refuseNonEmpty,
  refuseOtherVersion,
  sqliteVersion,
} from "./copy-preconditions";
import { migrate } from "./migrate";
import { createPool } from "./pool";
import { transaction } from "./transaction";

export { CopyRefused } from "./copy-plan";

export interface CopyOptions {
  /** The SQLite file (CLAUDEGATE_DB_PATH). */
  from: string;
  /** The PostgreSQL connection string (CLAUDEGATE_DATABASE_URL). */
  to: string;
  bounds?: BatchBounds;
  /** One line of progress (a table started, a second of copying passed, a warning). */
  progress?: (line: string) => void;
}

export interface CopySummary {
  tables: { name: string; rows: number }[];
  /** The value the next job's seq gets. */
  nextJobSeq: number;
  ms: number;
}

// Bounds for the copy's own sessions: one statement (a batch, a count over a large table) and the pause between
// statements while the next batch is read from SQLite.
const STATEMENT_MS = 10 * 60_000;
const IDLE_IN_TRANSACTION_MS = 5 * 60_000;
const PROGRESS_EVERY_MS = 1_000;

export async function copyFromSqlite(o: CopyOptions): Promise<CopySummary> {
  const t0 = performance.now();
  const say = o.progress ?? (() => {});
  const file = resolve(o.from);
  if (!existsSync(file)) throw new CopyRefused(`no SQLite database at ${file}`);
  const lock = lockSource(file, say);
  try {
    const sqlite = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const version = sqliteVersion(sqlite, file);
      refuseInterruptedRuns(sqlite, file);
      const pool = createPool(o.to, { max: 1, statementTimeoutMs: STATEMENT_MS, idleInTransactionTimeoutMs: IDLE_IN_TRANSACTION_MS });
      try {
        await refuseIfJobs(pool);
        const applied = await migrate(pool);
        if (applied.length) say(`applied PostgreSQL migrations ${applied.join(", ")}`);
        await refuseOtherVersion(pool, version);
        // Every read below sees one snapshot of the file.
        sqlite.exec("BEGIN");
        const summary = await transaction(pool, async (client) => {
          const copied = await copyAll(sqlite, client, o.bounds ?? BATCH_BOUNDS, say);
          const secrets = await copySecrets(file, client);
          if (secrets.length) say(`cluster_secrets: the ${secrets.join(" and ")} secret of the files next to ${file}`);
          return copied;
        });
        return { ...summary, ms: Math.round(performance.now() - t0) };
      } finally {
        await pool.end();
      }
    } finally {
      sqlite.close();
    }
  } finally {
    lock?.release();
  }
}

async function copyAll(
  sqlite: Database.Database,
  client: pg.PoolClient,
  bounds: BatchBounds,
  say: (line: string) => void,
): Promise<Omit<CopySummary, "ms">> {
  const plans = await planTables(sqlite, client);
  // Gateways started on the target meanwhile wait (within their own bounds) instead of writing beside the copy.
  await client.query(`LOCK TABLE ${plans.map((p) => quote(p.name)).join(", ")} IN ACCESS EXCLUSIVE MODE`);
  await refuseNonEmpty(client, plans.map((p) => p.name));
  const tables: CopySummary["tables"] = [];
  for (const plan of plans) {
    const expected = sqlite.prepare(`SELECT COUNT(*) FROM ${quote(plan.name)}`).pluck().get() as number;
    const t0 = performance.now();
    let last = t0;
    const copied = await copyRows(sqlite, client, rowCopy(plan), bounds, (n) => {
      if (performance.now() - last < PROGRESS_EVERY_MS) return;
      last = performance.now();
      say(`${plan.name}: ${n} of ${expected} rows`);
    });
    const inTarget = await count(client, plan.name);
    if (plan.derived) await checkDerived(sqlite, client, plan, say);
    else if (copied !== expected || inTarget !== expected) {
      throw new Error(`table ${plan.name}: SQLite has ${expected} rows, ${copied} were copied and PostgreSQL has ${inTarget}`);
    }
    say(`${plan.name}: ${inTarget} rows (${Math.round(performance.now() - t0)} ms)`);
    tables.push({ name: plan.name, rows: inTarget });
  }
  return { tables, nextJobSeq: await continueSequences(sqlite, client, plans) };
}

/** Plain tables as they are; a derived one with its recomputed columns as 0, merged into the triggers' rows. */
function rowCopy(plan: TablePlan) {
  const recomputed = plan.derived?.recomputed ?? [];
  const select = plan.columns.map((c) => (recomputed.includes(c) ? "0" : quote(c))).join(", ");
  const order = plan.orderBy.length ? ` ORDER BY ${plan.orderBy.map(quote).join(", ")}` : "";
  const kept = plan.columns.filter((c) => !recomputed.includes(c) && !plan.orderBy.includes(c));
  const suffix = !plan.derived
    ? ""
    : `ON CONFLICT (${plan.orderBy.map(quote).join(", ")}) ` +
      (kept.length ? `DO UPDATE SET ${kept.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(", ")}` : "DO NOTHING");
  return { table: plan.name, columns: plan.columns, select: `SELECT ${select} FROM ${quote(plan.name)}${order}`, suffix };
}

/** The counts must agree with the copied jobs; SQLite's own counts are only compared, to warn of a drift there. */
async function checkDerived(sqlite: Database.Database, client: pg.PoolClient, plan: TablePlan, say: (line: string) => void) {
  const { rows: wrong } = await client.query<{ key: string }>(plan.derived!.check);
  if (wrong.length) throw new Error(`table ${plan.name} disagrees with the copied jobs for ${wrong.map((r) => r.key).join(", ")}`);
  const key = (r: unknown[]) => JSON.stringify(r);
  const cols = plan.columns.map(quote).join(", ");
  const order = plan.orderBy.map(quote).join(", ");
  const source = new Set((sqlite.prepare(`SELECT ${cols} FROM ${quote(plan.name)}`).raw().all() as unknown[][]).map(key));
  const { rows } = await client.query({ text: `SELECT ${cols} FROM ${quote(plan.name)} ORDER BY ${order}`, rowMode: "array" });
  const differ = (rows as unknown[][]).filter((r) => !source.has(key(r)));
  if (differ.length || rows.length !== source.size) {
    say(`${plan.name}: SQLite's counts had drifted from its jobs; PostgreSQL has them recounted (${differ.length} rows differ)`);
  }
}

/** Each identity column continues after the copied maximum, and jobs.seq after any seq SQLite ever gave out. */
async function continueSequences(sqlite: Database.Database, client: pg.PoolClient, plans: TablePlan[]): Promise<number> {
  const { rows } = await client.query<{ table: string; column: string }>(
    `SELECT table_name AS table, column_name AS column FROM information_schema.columns
      WHERE table_schema = current_schema() AND is_identity = 'YES' AND table_name = ANY($1)`,
    [plans.map((p) => p.name)],
  );
  const hasSequenceTable = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get();
  let nextJobSeq = 1;
  for (const { table, column } of rows) {
    // AUTOINCREMENT never reuses a deleted row's number; neither may PostgreSQL.
    const given = hasSequenceTable ? ((sqlite.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").pluck().get(table) as number | undefined) ?? 0) : 0;
    const max = (await client.query(`SELECT COALESCE(MAX(${quote(column)}), 0) AS m FROM ${quote(table)}`)).rows[0].m as number;
    const high = Math.max(given, max);
    if (high > 0) await client.query("SELECT setval(pg_get_serial_sequence($1, $2), $3)", [quote(table), column, high]);
    if (table === "jobs") nextJobSeq = high + 1;
  }
  return nextJobSeq;
}

async function count(client: pg.PoolClient, table: string): Promise<number> {
  return (await client.query(`SELECT count(*) AS n FROM ${quote(table)}`)).rows[0].n as number;
}
