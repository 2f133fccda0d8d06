// A job read without its large text columns, and those columns read in slices: what responses that must stay
// small per connection (one job, the job list, a stream's opening snapshot) use instead of `SELECT *`, which
// would hold a 10 MiB result and a 1 MiB prompt in memory for every connection that asked.
import type { Sql } from "./sql/sql";
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
  private lean: Promise<string> | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly inlineChars = INLINE_CHARS,
  ) {}

  /** Every column of the table (so a column added later is read too), the large ones only when short. */
  private leanSelect(): Promise<string> {
    this.lean ??= this.columns().then((columns) => {
      const select = columns.map((c) =>
        isLarge(c) ? `CASE WHEN length(${c}) > ${this.inlineChars} THEN NULL ELSE ${c} END AS ${c}, length(${c}) AS ${c}__len` : c,
      );
      return `SELECT ${select.join(", ")} FROM jobs WHERE id = ?`;
    });
    return this.lean;
  }

  private async columns(): Promise<string[]> {
    const rows =
      this.sql.dialect === "sqlite"
        ? await this.sql.all<{ name: string }>(`SELECT name FROM pragma_table_info('jobs')`)
        : await this.sql.all<{ name: string }>(
            `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'jobs' ORDER BY ordinal_position`,
          );
    return rows.map((r) => r.name);
  }

  async get(id: string): Promise<LeanJob | undefined> {
    const row = await this.sql.get<JobRow & Record<string, unknown>>(await this.leanSelect(), [id]);
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
  async slice(id: string, column: LargeColumn, start: number, count: number): Promise<string | undefined> {
    if (!isLarge(column)) throw new Error(`not a large column: ${column}`);
    return (await this.sql.value<string | null>(`SELECT substr(${column}, ?, ?) FROM jobs WHERE id = ?`, [start, count, id])) ?? undefined;
  }
}
