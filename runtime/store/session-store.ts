// Every change a session's row can undergo, one method each. A session is a conversation: its jobs are its
// turns, and its row keeps the CLI's transcript between them (see migration 12). Which turn may run is decided
// by the claim (job-store.ts), which marks `running_job`; the run's end clears it.
import type { Sql } from "./sql/sql";
import { byteLength, greatest, jsonNumber } from "./sql/dialect";
import type { JobStatus, ErrorCode } from "../job/job";

export interface Session {
  id: string;
  owner: string;
  parentId: string | undefined;
  createdAt: number;
  lastActiveAt: number;
  /** The CLI's id of the stored transcript; undefined until a turn has run. */
  cliSessionId: string | undefined;
  transcriptBytes: number;
  runningJob: string | undefined;
}

export interface Transcript {
  cliSessionId: string;
  data: Uint8Array;
}

export interface Turn {
  job_id: string;
  status: JobStatus;
  error_code?: ErrorCode;
  created_at: number;
  completed_at: number | undefined;
}

export interface SessionTotals {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cost_usd: number;
}

interface SessionRow {
  id: string;
  owner: string;
  parent_id: string | null;
  created_at: number;
  last_active_at: number;
  cli_session_id: string | null;
  transcript_bytes: number | null;
  running_job: string | null;
}

const toSession = (r: SessionRow): Session => ({
  id: r.id,
  owner: r.owner,
  parentId: r.parent_id ?? undefined,
  createdAt: r.created_at,
  lastActiveAt: r.last_active_at,
  cliSessionId: r.cli_session_id ?? undefined,
  transcriptBytes: r.transcript_bytes ?? 0,
  runningJob: r.running_job ?? undefined,
});

const USAGE_FIELDS = ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"] as const;

export class SessionStore {
  private readonly columns: string;

  constructor(
    private readonly sql: Sql,
    private readonly reclaim: () => void = () => {},
  ) {
    this.columns = `id, owner, parent_id, created_at, last_active_at, cli_session_id, ${byteLength(sql.dialect, "transcript")} AS transcript_bytes, running_job`;
  }

  async create(s: { id: string; owner: string; parentId?: string }, now = Date.now()): Promise<void> {
    await this.sql.run(`INSERT INTO sessions (id, owner, parent_id, created_at, last_active_at) VALUES (@id, @owner, @parentId, @now, @now)`, {
      id: s.id,
      owner: s.owner,
      parentId: s.parentId ?? null,
      now,
    });
  }

  async get(id: string): Promise<Session | undefined> {
    const row = await this.sql.get<SessionRow>(`SELECT ${this.columns} FROM sessions WHERE id = ?`, [id]);
    return row && toSession(row);
  }

  /**
   * The transcript a turn of session `id` resumes from: its own, or for a fork's first turn its parent's (as
   * stored when the fork's run starts: the claim waits for a parent's running turn). Undefined: a fresh start.
   */
  async forRun(id: string, fork: boolean): Promise<Transcript | undefined> {
    if (!fork) return this.transcript(id);
    const parent = (await this.get(id))?.parentId;
    return parent === undefined ? undefined : this.transcript(parent);
  }

  /** The stored transcript to resume from; undefined before the session's first turn ran. */
  async transcript(id: string): Promise<Transcript | undefined> {
    const row = await this.sql.get<{ cli_session_id: string; transcript: Buffer }>(
      `SELECT cli_session_id, transcript FROM sessions WHERE id = ? AND transcript IS NOT NULL`,
      [id],
    );
    return row && { cliSessionId: row.cli_session_id, data: row.transcript };
  }

  async touch(id: string, now = Date.now()): Promise<void> {
    await this.sql.run(`UPDATE sessions SET last_active_at = ${greatest(this.sql.dialect, "last_active_at", "@now")} WHERE id = @id`, { id, now });
  }

  /** Stores a turn's transcript; false when the session is gone or no longer runs that job (only the run the claim marked may). */
  async save(id: string, job: string, t: Transcript, now = Date.now()): Promise<boolean> {
    const n = await this.sql.run(
      `UPDATE sessions SET cli_session_id = @cliSessionId, transcript = @data, last_active_at = ${greatest(this.sql.dialect, "last_active_at", "@now")}
       WHERE id = @id AND running_job = @job`,
      { id, job, cliSessionId: t.cliSessionId, data: Buffer.from(t.data), now },
    );
    return n === 1;
  }

  /** The run of `job` is over (its CLI is gone): the session's next turn may be claimed. */
  async release(id: string, job: string): Promise<void> {
    await this.sql.run(`UPDATE sessions SET running_job = NULL WHERE id = @id AND running_job = @job`, { id, job });
  }

  /** Start-up of a single gateway on its SQLite file: no run survives a server. */
  releaseAll(): Promise<number> {
    return this.sql.run(`UPDATE sessions SET running_job = NULL WHERE running_job IS NOT NULL`);
  }

  /**
   * Clears marks left by an instance that died between ending a run and releasing its session: the marked job
   * ended more than `graceMs` ago (a live instance releases once the run's transcript and files are stored).
   */
  releaseStale(graceMs: number, now = Date.now()): Promise<number> {
    return this.sql.run(
      `UPDATE sessions SET running_job = NULL WHERE running_job IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM jobs j WHERE j.id = sessions.running_job AND (j.status = 'processing' OR j.completed_at >= ?))`,
      [now - graceMs],
    );
  }

  async turns(id: string): Promise<Turn[]> {
    const rows = await this.sql.all<Turn & { error_code: ErrorCode | null; completed_at: number | null }>(
      `SELECT id AS job_id, status, NULLIF(error_code, '') AS error_code, created_at, completed_at FROM jobs WHERE session_id = ? ORDER BY seq`,
      [id],
    );
    return rows.map((t) => ({ ...t, error_code: t.error_code ?? undefined, completed_at: t.completed_at ?? undefined }));
  }

  async totals(id: string): Promise<SessionTotals> {
    const d = this.sql.dialect;
    const sums = [
      ...USAGE_FIELDS.map((f) => `COALESCE(SUM(${jsonNumber(d, "stats", ["usage", f])}), 0) AS ${f}`),
      `COALESCE(SUM(${jsonNumber(d, "stats", ["cost_usd"])}), 0) AS cost_usd`,
    ];
    return (await this.sql.get<SessionTotals>(`SELECT ${sums.join(", ")} FROM jobs WHERE session_id = ?`, [id]))!;
  }

  /** Ids of the session's queued and processing turns, oldest first. */
  async unfinishedJobs(id: string): Promise<string[]> {
    const rows = await this.sql.all<{ id: string }>(`SELECT id FROM jobs WHERE session_id = ? AND status IN ('queued', 'processing') ORDER BY seq`, [id]);
    return rows.map((r) => r.id);
  }

  /** The id of the session's most recent turn (job), in any state. */
  latestTurn(id: string): Promise<string | undefined> {
    return this.sql.value<string>(`SELECT id FROM jobs WHERE session_id = ? ORDER BY seq DESC LIMIT 1`, [id]);
  }

  async jobIds(id: string): Promise<string[]> {
    return (await this.sql.all<{ id: string }>(`SELECT id FROM jobs WHERE session_id = ?`, [id])).map((r) => r.id);
  }

  /** A page of sessions, newest first; `owner` restricts it to one tenant's. */
  async list(opts: { limit: number; offset: number; owner?: string }): Promise<{ sessions: Session[]; total: number }> {
    const where = opts.owner === undefined ? "" : "WHERE owner = ?";
    const args = opts.owner === undefined ? [] : [opts.owner];
    const rows = await this.sql.all<SessionRow>(`SELECT ${this.columns} FROM sessions ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, [
      ...args,
      opts.limit,
      opts.offset,
    ]);
    const total = (await this.sql.value<number>(`SELECT COUNT(*) FROM sessions ${where}`, args)) ?? 0;
    return { sessions: rows.map(toSession), total };
  }

  async delete(id: string): Promise<boolean> {
    const deleted = (await this.sql.run(`DELETE FROM sessions WHERE id = ?`, [id])) === 1;
    if (deleted) this.reclaim();
    return deleted;
  }

  /** Ids of the sessions the TTL cleanup may delete (no turn left, inactive since before `cutoff`). Sessions follow the job TTL. */
  async expired(cutoff: number): Promise<string[]> {
    const rows = await this.sql.all<{ id: string }>(
      `SELECT id FROM sessions s WHERE last_active_at < ? AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.session_id = s.id)`,
      [cutoff],
    );
    return rows.map((r) => r.id);
  }
}
