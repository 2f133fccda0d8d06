// Every change a session's row can undergo, one method each. A session is a conversation: its jobs are its
// turns, and its row keeps the CLI's transcript between them (see migration 12). Which turn may run is decided
// by the claim (job-store.ts), which marks `running_job`; the run's end clears it.
import type { Sqlite } from "./database";
import { reclaimSpace } from "./reclaim-space";
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

const COLUMNS = `id, owner, parent_id, created_at, last_active_at, cli_session_id, length(transcript) AS transcript_bytes, running_job`;

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

export class SessionStore {
  private readonly q;

  constructor(private readonly db: Sqlite) {
    const p = (sql: string) => db.prepare(sql);
    this.q = {
      create: p(`INSERT INTO sessions (id, owner, parent_id, created_at, last_active_at) VALUES (@id, @owner, @parentId, @now, @now)`),
      get: p(`SELECT ${COLUMNS} FROM sessions WHERE id = ?`),
      transcript: p(`SELECT cli_session_id, transcript FROM sessions WHERE id = ? AND transcript IS NOT NULL`),
      touch: p(`UPDATE sessions SET last_active_at = MAX(last_active_at, @now) WHERE id = @id`),
      // Only the run the claim marked may store its transcript: a session deleted meanwhile stays deleted.
      save: p(`UPDATE sessions SET cli_session_id = @cliSessionId, transcript = @data, last_active_at = MAX(last_active_at, @now)
               WHERE id = @id AND running_job = @job`),
      release: p(`UPDATE sessions SET running_job = NULL WHERE id = @id AND running_job = @job`),
      releaseAll: p(`UPDATE sessions SET running_job = NULL WHERE running_job IS NOT NULL`),
      turns: p(`SELECT id AS job_id, status, NULLIF(error_code, '') AS error_code, created_at, completed_at
                FROM jobs WHERE session_id = ? ORDER BY seq`),
      totals: p(`SELECT COALESCE(SUM(json_extract(stats, '$.usage.input_tokens')), 0) AS input_tokens,
                   COALESCE(SUM(json_extract(stats, '$.usage.output_tokens')), 0) AS output_tokens,
                   COALESCE(SUM(json_extract(stats, '$.usage.cache_creation_input_tokens')), 0) AS cache_creation_input_tokens,
                   COALESCE(SUM(json_extract(stats, '$.usage.cache_read_input_tokens')), 0) AS cache_read_input_tokens,
                   COALESCE(SUM(json_extract(stats, '$.cost_usd')), 0) AS cost_usd
                 FROM jobs WHERE session_id = ?`),
      unfinished: p(`SELECT id FROM jobs WHERE session_id = ? AND status IN ('queued', 'processing') ORDER BY seq`).pluck(),
      jobIds: p(`SELECT id FROM jobs WHERE session_id = ?`).pluck(),
      latestTurn: p(`SELECT id FROM jobs WHERE session_id = ? ORDER BY seq DESC LIMIT 1`).pluck(),
      delete: p(`DELETE FROM sessions WHERE id = ?`),
      // Sessions follow the job TTL: one goes when the cleanup has taken its last turn and it was not used since.
      expired: p(`SELECT id FROM sessions s WHERE last_active_at < ?
                    AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.session_id = s.id)`).pluck(),
    };
  }

  create(s: { id: string; owner: string; parentId?: string }, now = Date.now()): void {
    this.q.create.run({ id: s.id, owner: s.owner, parentId: s.parentId ?? null, now });
  }

  get(id: string): Session | undefined {
    const row = this.q.get.get(id) as SessionRow | undefined;
    return row && toSession(row);
  }

  /**
   * The transcript a turn of session `id` resumes from: its own, or for a fork's first turn its parent's (as
   * stored when the fork's run starts: the claim waits for a parent's running turn). Undefined: a fresh start.
   */
  forRun(id: string, fork: boolean): Transcript | undefined {
    if (!fork) return this.transcript(id);
    const parent = this.get(id)?.parentId;
    return parent === undefined ? undefined : this.transcript(parent);
  }

  /** The stored transcript to resume from; undefined before the session's first turn ran. */
  transcript(id: string): Transcript | undefined {
    const row = this.q.transcript.get(id) as { cli_session_id: string; transcript: Buffer } | undefined;
    return row && { cliSessionId: row.cli_session_id, data: row.transcript };
  }

  touch(id: string, now = Date.now()): void {
    this.q.touch.run({ id, now });
  }

  /** Stores a turn's transcript; false when the session is gone or no longer runs that job. */
  save(id: string, job: string, t: Transcript, now = Date.now()): boolean {
    return this.q.save.run({ id, job, cliSessionId: t.cliSessionId, data: Buffer.from(t.data), now }).changes === 1;
  }

  /** The run of `job` is over (its CLI is gone): the session's next turn may be claimed. */
  release(id: string, job: string): void {
    this.q.release.run({ id, job });
  }

  /** Start-up: no run survives a server. */
  releaseAll(): number {
    return this.q.releaseAll.run().changes;
  }

  turns(id: string): Turn[] {
    return (this.q.turns.all(id) as (Turn & { error_code: ErrorCode | null; completed_at: number | null })[]).map((t) => ({
      ...t,
      error_code: t.error_code ?? undefined,
      completed_at: t.completed_at ?? undefined,
    }));
  }

  totals(id: string): SessionTotals {
    return this.q.totals.get(id) as SessionTotals;
  }

  /** Ids of the session's queued and processing turns, oldest first. */
  unfinishedJobs(id: string): string[] {
    return this.q.unfinished.all(id) as string[];
  }

  /** The id of the session's most recent turn (job), in any state. */
  latestTurn(id: string): string | undefined {
    return (this.q.latestTurn.get(id) as string | undefined) ?? undefined;
  }

  jobIds(id: string): string[] {
    return this.q.jobIds.all(id) as string[];
  }

  /** A page of sessions, newest first; `owner` restricts it to one tenant's. */
  list(opts: { limit: number; offset: number; owner?: string }): { sessions: Session[]; total: number } {
    const where = opts.owner === undefined ? "" : "WHERE owner = ?";
    const args = opts.owner === undefined ? [] : [opts.owner];
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM sessions ${where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`)
      .all(...args, opts.limit, opts.offset) as SessionRow[];
    const total = this.db.prepare(`SELECT COUNT(*) FROM sessions ${where}`).pluck().get(...args) as number;
    return { sessions: rows.map(toSession), total };
  }

  delete(id: string): boolean {
    const deleted = this.q.delete.run(id).changes === 1;
    if (deleted) reclaimSpace(this.db);
    return deleted;
  }

  /** Ids of the sessions the TTL cleanup may delete (no turn left, inactive since before `cutoff`). */
  expired(cutoff: number): string[] {
    return this.q.expired.all(cutoff) as string[];
  }
}
