// A session as the API shows it. `session_id` is the gateway's id (what a job's `session_id` names and what a
// next turn sends); the CLI's own id of the conversation is an internal detail (a job's `cli_session_id`).
import type { Session, SessionStore } from "../store/session-store";

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The summary the session list shows. */
export function sessionSummary(s: Session): Record<string, unknown> {
  return {
    session_id: s.id,
    parent_session_id: s.parentId,
    created_at: iso(s.createdAt),
    last_active_at: iso(s.lastActiveAt),
    key_id: s.owner || undefined,
  };
}

/** One session with its turns (its jobs, in submission order) and what they cost together. */
export async function sessionDetail(sessions: SessionStore, s: Session): Promise<Record<string, unknown>> {
  const { cost_usd, ...usage } = await sessions.totals(s.id);
  return {
    ...sessionSummary(s),
    turns: (await sessions.turns(s.id)).map((t) => ({ ...t, created_at: iso(t.created_at), completed_at: iso(t.completed_at) })),
    running_job_id: s.runningJob,
    usage,
    cost_usd,
  };
}
