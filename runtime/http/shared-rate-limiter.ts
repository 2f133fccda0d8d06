// The submit rate for a cluster: the same bucket as MemoryRateLimiter, kept as one row per key in the shared
// database and taken in one statement (GCRA: the row holds the "theoretical arrival time" of the next request;
// a request passes when that time is at most one second ahead, and moves it on by 1/N s). Keys are stored
// hashed: the table never holds an API key.
import { sha256 } from "../job/idempotency";
import type { Sql } from "../store/sql/sql";
import { clockMs, greatest } from "../store/sql/dialect";
import type { RateLimiter } from "./rate-limiter";

export class SharedRateLimiter implements RateLimiter {
  constructor(
    private readonly sql: Sql,
    private readonly perSecond: number,
  ) {}

  async take(key: string, _now?: number, perSecond = this.perSecond): Promise<number> {
    if (perSecond <= 0) return 0;
    const interval = Math.max(1, Math.round(1000 / perSecond)); // whole milliseconds: the column is an integer
    const d = this.sql.dialect;
    const id = sha256(key);
    // Time is the database's, read when the statement runs: instances' clocks differ, and two requests racing for
    // one key would otherwise each bring their own `now` (the one that waited for the row could be told to wait
    // longer than it must). The interval is typed: PostgreSQL cannot choose an operator for a bare parameter.
    const at = clockMs(d);
    const step = "CAST(@interval AS BIGINT)";
    const taken = await this.sql.value(
      `INSERT INTO rate_limits (key, tat) VALUES (@id, ${at} + ${step})
       ON CONFLICT (key) DO UPDATE SET tat = ${greatest(d, "rate_limits.tat", at)} + ${step}
         WHERE ${greatest(d, "rate_limits.tat", at)} + ${step} - ${at} <= 1000
       RETURNING tat`,
      { id, interval },
    );
    if (taken !== undefined) return 0;
    const ahead = (await this.sql.value<number>(`SELECT tat - ${at} FROM rate_limits WHERE key = ?`, [id])) ?? 0;
    return Math.max(1, Math.ceil((Math.max(ahead, 0) + interval - 1000) / 1000));
  }
}
