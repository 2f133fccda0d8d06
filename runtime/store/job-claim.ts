// The claim: which queued job runs next, taken atomically with its lease and its session's mark. One
// transaction (JobStore.claimNext runs it and retries a lost race for a session's turn).
import type { Sql } from "./sql/sql";
import { clockMs, placeholders, skipLocked } from "./sql/dialect";
import { rowToJob, type JobRow } from "./job-row";
import type { Job } from "../job/job";

/** A job just claimed, and the number of its last stored event (its next events follow it). */
export interface Claimed {
  job: Job;
  lastSeq: number;
}

/** Who claims: this instance's id and how long its lease lasts unless renewed. */
export interface Claimant {
  instance: string;
  leaseMs: number;
}

/** What a claim must respect beyond the queue itself (tenant keys' policies). */
export interface ClaimLimits {
  /** Owners whose jobs wait now: out of budget, or at their max_running as last counted. */
  held?: readonly string[];
  /**
   * Owners' max_running, counted again inside the claim: another instance may have claimed for the owner since
   * `held` was made, and two claims for one owner at once must not both pass.
   */
  maxRunning?: ReadonlyMap<string, number>;
}

/** A claim lost a race for a session's turn to another instance: its transaction is rolled back and retried. */
export class TurnTaken extends Error {}

export async function claimIn(sql: Sql, claimant: Claimant, limits: ClaimLimits, now: number): Promise<Claimed | undefined> {
  const d = sql.dialect;
  // The queue pause is the cluster's: read here, in the claim's transaction, and not only from this instance's
  // copy (runtime/queue/queue-pause.ts), which hears of another instance's pause a moment late: jobs submitted
  // right after a pause elsewhere started (test/e2e/cluster-state.test.ts). An expired timed pause does not
  // count, as in QueuePause.current().
  if ((await sql.value(`SELECT 1 FROM queue_pause WHERE until IS NULL OR until > ?`, [now])) !== undefined) return undefined;
  const skipped = [...(limits.held ?? [])];
  for (;;) {
    // Fair across owners: the waiting owner served longest ago (never served: the first to arrive) gets a turn.
    const owner = await sql.value<string>(
      `SELECT o.owner FROM owner_queue o WHERE o.queued > 0 ${skipped.length ? `AND o.owner NOT IN (${placeholders(skipped.length)})` : ""}
       ORDER BY o.served, o.arrived LIMIT 1`,
      skipped,
    );
    if (owner === undefined) return undefined;
    const max = limits.maxRunning?.get(owner);
    if (max !== undefined) {
      // On PostgreSQL one claim at a time counts an owner's runs, under a transaction-scoped lock of their own: the
      // count read after taking it includes a run another instance claimed a moment ago (read committed: each
      // statement sees what is committed). A claim that finds the lock taken leaves the owner to the one holding
      // it, which decides with the same count; never waiting means no deadlock with other owners' locks or rows.
      // SQLite has one writer.
      const mine = d === "sqlite" || (await sql.value<boolean>(`SELECT pg_try_advisory_xact_lock(hashtextextended(?, 2))`, [`owner_running:${owner}`]));
      const running = mine ? await sql.value<number>(`SELECT running FROM owner_queue WHERE owner = ?`, [owner]) : max;
      if ((running ?? 0) >= max) {
        skipped.push(owner);
        continue;
      }
    }
    // Within an owner, first in first out, skipping the turns of sessions whose previous turn still runs (one
    // CLI per session at a time) and a fork's first turn while its parent's runs. On PostgreSQL a row another
    // instance is claiming right now is skipped, not waited for.
    const row = await sql.get<JobRow & { last_seq: number | null }>(
      `UPDATE jobs SET status = 'processing', started_at = @now, attempts = attempts + 1, retrying = NULL,
         lease_owner = @instance, lease_expires_at = ${clockMs(d)} + @leaseMs
       WHERE seq = (
         SELECT j.seq FROM jobs j
         WHERE j.status = 'queued' AND j.owner = @owner
           AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.running_job IS NOT NULL AND (s.id = j.session_id
             OR (j.fork = 1 AND s.id = (SELECT parent_id FROM sessions WHERE id = j.session_id))))
         ORDER BY j.seq LIMIT 1 ${skipLocked(d)})
       RETURNING *, (SELECT MAX(seq) FROM job_events e WHERE e.job_id = jobs.id) AS last_seq`,
      { now, owner, instance: claimant.instance, leaseMs: claimant.leaseMs },
    );
    if (!row) {
      skipped.push(owner); // every waiting job of this owner is a turn of a session that is running
      continue;
    }
    await sql.run(`UPDATE owner_queue SET served = (SELECT MAX(served) FROM owner_queue) + 1 WHERE owner = ?`, [row.owner]);
    // Another instance may have claimed a turn of the same session a moment ago: only one marks it. A session
    // that is gone (DELETE of a session removes its row before its turns) has nothing to mark: its turn is
    // claimed as before sessions were marked, and its deletion cancels it; failing here would stop every claim.
    const marked = await sql.run(`UPDATE sessions SET running_job = @job WHERE id = @session AND running_job IS NULL`, {
      job: row.id,
      session: row.session_id,
    });
    if (marked !== 1 && (await sql.value(`SELECT 1 FROM sessions WHERE id = ?`, [row.session_id])) !== undefined) throw new TurnTaken();
    return { job: rowToJob(row), lastSeq: row.last_seq ?? 0 };
  }
}
