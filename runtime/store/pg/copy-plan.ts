// Which tables `copyFromSqlite` copies, in what order, and how. The list is read from the SQLite file itself, not
// written down here, so a table or column added by a later migration (in both schemas) is copied without a change
// to this file. What cannot be read from a schema is written down: which tables are derived from others (and so
// must not be copied blindly next to the triggers that already fill them), and which INSERT triggers on the
// PostgreSQL side are known to do only that. An INSERT trigger not in that list stops the copy before it starts:
// it might count twice what the copy also writes, so someone has to decide.
import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";

export interface TablePlan {
  name: string;
  /** The columns both schemas have, in SQLite's order. */
  columns: string[];
  /** SQLite's primary key columns: the order rows are read in (jobs by seq, so `owner_queue.arrived` comes out right). */
  orderBy: string[];
  /** Set for a counter table the triggers fill (DERIVED); other tables are copied as they are. */
  derived?: Derived;
}

export interface Derived {
  /** Columns the triggers compute: written as 0 by the copy, left to the triggers, then checked. */
  recomputed: string[];
  /** Rows (keys) where the table disagrees with a count over the copied jobs; none after a right copy. */
  check: string;
}

/**
 * Counter tables that the PostgreSQL INSERT triggers on `jobs` fill while jobs are copied (`job_counts_insert`,
 * `owner_queue_insert`): their counts are recomputed from the copied rows instead of copied (copying them too
 * would count every job twice), then checked against a count over the jobs. What a trigger cannot know is copied
 * after the jobs: `owner_queue.served` (the owner's last claim number) and `arrived` (the seq of its first job
 * ever, perhaps deleted since), and the rows of owners with no job left.
 */
export const DERIVED: Record<string, Derived> = {
  job_counts: {
    recomputed: ["n"],
    check: `SELECT c.status AS key FROM job_counts c
              LEFT JOIN (SELECT status, count(*) AS n FROM jobs GROUP BY status) j USING (status)
             WHERE c.n <> COALESCE(j.n, 0)`,
  },
  owner_queue: {
    recomputed: ["queued", "running"],
    check: `SELECT o.owner AS key FROM owner_queue o
              LEFT JOIN (SELECT owner, count(*) FILTER (WHERE status = 'queued') AS q,
                                count(*) FILTER (WHERE status = 'processing') AS r
                           FROM jobs GROUP BY owner) j USING (owner)
             WHERE o.queued <> COALESCE(j.q, 0) OR o.running <> COALESCE(j.r, 0)`,
  },
};

/** The PostgreSQL INSERT triggers whose whole effect is a DERIVED table (schema.ts). */
export const KNOWN_INSERT_TRIGGERS: Record<string, string[]> = {
  jobs: ["job_counts_insert", "owner_queue_insert"],
};

// Parents before children (foreign keys: events need their job, attempts their delivery); the rest by name.
const FIRST = ["jobs", "job_events", "webhook_deliveries", "webhook_attempts"];
// Bookkeeping of each engine's own migrations, and a cluster's own running state (its members, its rate
// buckets, its shared secrets: filled from the secret files instead, see copy-secrets.ts), not data.
export const NOT_DATA = new Set(["schema_migrations", "instances", "rate_limits", "cluster_secrets"]);

export class CopyRefused extends Error {}

export async function planTables(sqlite: BetterSqlite3.Database, pg: pg.ClientBase): Promise<TablePlan[]> {
  const names = (
    sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().all() as string[]
  ).filter((n) => !NOT_DATA.has(n));
  const pgColumns = await columnsOf(pg);
  const plans = names.map((name): TablePlan => {
    const info = sqlite.prepare(`SELECT name, pk FROM pragma_table_info(?)`).all(name) as { name: string; pk: number }[];
    const target = pgColumns.get(name);
    if (!target) throw new CopyRefused(`table ${name} of the SQLite database has no twin in PostgreSQL; is this a database of a newer ClaudeGate?`);
    const missing = info.map((c) => c.name).filter((c) => !target.has(c));
    if (missing.length) throw new CopyRefused(`table ${name}: PostgreSQL has no column ${missing.join(", ")}`);
    const extra = [...target].filter((c) => !info.some((i) => i.name === c));
    if (extra.length) throw new CopyRefused(`table ${name}: SQLite has no column ${extra.join(", ")} (schemas differ)`);
    return {
      name,
      columns: info.map((c) => c.name),
      orderBy: info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      derived: DERIVED[name],
    };
  });
  await refuseUnknownTriggers(pg, names);
  const rank = (n: string) => (FIRST.includes(n) ? FIRST.indexOf(n) : FIRST.length);
  return plans.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

async function columnsOf(pg: pg.ClientBase): Promise<Map<string, Set<string>>> {
  const { rows } = await pg.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()",
  );
  const byTable = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!byTable.has(r.table_name)) byTable.set(r.table_name, new Set());
    byTable.get(r.table_name)!.add(r.column_name);
  }
  return byTable;
}

async function refuseUnknownTriggers(pg: pg.ClientBase, tables: string[]): Promise<void> {
  // tgtype bit 2 (4) = INSERT; internal triggers are the foreign keys' own.
  const { rows } = await pg.query<{ table: string; trigger: string }>(
    `SELECT c.relname AS table, t.tgname AS trigger
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE NOT t.tgisinternal AND (t.tgtype & 4) <> 0 AND c.relname = ANY($1)
        AND c.relnamespace = current_schema()::regnamespace`,
    [tables],
  );
  const unknown = rows.filter((r) => !(KNOWN_INSERT_TRIGGERS[r.table] ?? []).includes(r.trigger));
  if (unknown.length) {
    const list = unknown.map((r) => `${r.trigger} on ${r.table}`).join(", ");
    throw new CopyRefused(
      `PostgreSQL has INSERT triggers the copy does not know (${list}): it cannot tell whether they would count copied rows twice; update runtime/store/pg/copy-plan.ts`,
    );
  }
}
