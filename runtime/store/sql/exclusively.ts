// Work that one instance at a time does for the whole cluster (recovering lost runs, the TTL cleanup): on
// PostgreSQL it runs in a transaction holding a transaction-scoped advisory lock, and is skipped when another
// instance holds it; with one SQLite gateway it simply runs in a transaction.
import { ADVISORY_KEYS, ADVISORY_NAMESPACE } from "../pg/advisory-locks";
import type { Sql } from "./sql";

export type ExclusiveTask = Exclude<keyof typeof ADVISORY_KEYS, "migrate">;

/** The work's result, or undefined when another instance is doing it now. */
export function exclusively<T>(sql: Sql, task: ExclusiveTask, work: (tx: Sql) => Promise<T>): Promise<T | undefined> {
  return sql.transaction(async (tx) => {
    if (tx.dialect === "postgres") {
      const mine = await tx.value<boolean>(`SELECT pg_try_advisory_xact_lock(?, ?)`, [ADVISORY_NAMESPACE, ADVISORY_KEYS[task]]);
      if (!mine) return undefined;
    }
    return work(tx);
  });
}
