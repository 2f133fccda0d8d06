// A job read without its large text columns, and those columns read in slices: what responses that must stay
// small per connection (one job, the job list, a stream's opening snapshot) use instead of `SELECT *`, which
// would hold a 10 MiB result and a 1 MiB prompt in memory for every connection that asked.
import type BetterSqlite3 from "better-sqlite3";
import type { Sqlite } from "./database";
import { rowToJob, type JobRow } from "./job-row";
import type { Job } from "../job/job";
import { INLINE_CHARS } from "../http/paced-write";

/** Text columns that can be large, with the Job field each fills. */
export const LARGE_COLUMNS = { prompt: "prompt", system_prompt: "systemPrompt", result: "result", error: "error", metadata: "metadata" } as const;
export type LargeColumn = keyof typeof LARGE_COLUMNS;
const isLarge = (c: string): c is LargeColumn => Object.hasOwn(LARGE_COLUMNS, c);

export interface LeanJob {
  /** The job, with each column listed in `omitted` left empty. */
  job: Job;
  /** Length in characters of each large column that was too long to read whole. */
  omitted: Partial<Record<LargeColumn, number>>;
}

export class JobText {
  private readonly lean;
  private readonly slices: Record<string, BetterSqlite3.Statement>;

  constructor(
    db: Sqlite,
    private readonly inlineChars = INLINE_CHARS,
  ) {
    // Every column of the table (so a column added later is read too), the large ones only when short.
    const columns = (db.prepare("PRAGMA table_info(jobs)").all() as { name: string }[]).map((c) => c.name);
    const select = columns.map((c) =>
      isLarge(c) ? `CASE WHEN length(${c}) > ${inlineChars} THEN NULL ELSE ${c} END AS ${c}, length(${c}) AS ${c}__len` : c,
    );
    this.lean = db.prepare(`SELECT ${select.join(", ")} FROM jobs WHERE id = ?`);
    this.slices = Object.fromEntries(
      Object.keys(LARGE_COLUMNS).map((c) => [c, db.prepare(`SELECT substr(${c}, ?, ?) FROM jobs WHERE id = ?`).pluck()]),
    );
  }

  get(id: string): LeanJob | undefined {
    const row = this.lean.get(id) as (JobRow & Record<string, unknown>) | undefined;
    if (!row) return undefined;
    const omitted: LeanJob["omitted"] = {};
    for (const c of Object.keys(LARGE_COLUMNS) as LargeColumn[]) {
      const len = row[`${c}__len`] as number | null;
      if (len !== null && len > this.inlineChars) {
        omitted[c] = len;
        (row as unknown as Record<string, unknown>)[c] = c === "metadata" ? null : "";
      }
    }
    return { job: rowToJob(row), omitted };
  }

  /** `count` characters of a column from `start` (1-based); undefined once the job is gone. */
  slice(id: string, column: LargeColumn, start: number, count: number): string | undefined {
    return (this.slices[column]!.get(start, count, id) as string | null | undefined) ?? undefined;
  }
}
