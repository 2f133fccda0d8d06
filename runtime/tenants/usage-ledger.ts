// Reads the usage ledger (runtime/store/migrations.ts, version 9), which a trigger adds to in the transaction
// that ends each run: spend for budgets, and the usage report.
import type { Sql } from "../store/sql/sql";

export const USAGE_GROUPS = ["day", "model", "key"] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface UsageRow {
  /** The group's value: a day (YYYY-MM-DD), a model alias, or an owner ('' = operator keys). */
  group: string;
  jobs: number;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cost_usd: number;
  run_ms: number;
}

const COLUMN: Record<UsageGroup, string> = { day: "day", model: "model", key: "owner" };

export class UsageLedger {
  constructor(private readonly sql: Sql) {}

  /** What an owner spent from day `from` (YYYY-MM-DD, UTC) on. */
  async spentSince(owner: string, from: string): Promise<number> {
    return (await this.sql.value<number>(`SELECT COALESCE(SUM(cost_usd), 0) FROM usage_ledger WHERE owner = ? AND day >= ?`, [owner, from])) ?? 0;
  }

  /** Sums from day `from` to day `to` (both included), by `group`; only `owner`'s when given. */
  report(from: string, to: string, group: UsageGroup, owner?: string): Promise<UsageRow[]> {
    const col = COLUMN[group];
    const mine = owner === undefined ? "" : "AND owner = @owner";
    return this.sql.all<UsageRow>(
      `SELECT ${col} AS "group", SUM(jobs) AS jobs, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
              SUM(cache_creation_input_tokens) AS cache_creation_input_tokens,
              SUM(cache_read_input_tokens) AS cache_read_input_tokens, SUM(cost_usd) AS cost_usd, SUM(run_ms) AS run_ms
       FROM usage_ledger WHERE day >= @from AND day <= @to ${mine}
       GROUP BY ${col} ORDER BY ${col}`,
      owner === undefined ? { from, to } : { from, to, owner },
    );
  }
}
