// DELETE /api/v1/sessions/{id}: a session goes with everything of it. Its queued and running turns are
// cancelled first (as DELETE of a job cancels a running job), so no CLI keeps working on a session that no
// longer exists; then its jobs, their events and deliveries, and its stored transcript are deleted.
import { deleteJob, type JobDeps } from "../job/commands";

export function deleteSession(deps: JobDeps, id: string): boolean {
  const sessions = deps.store.sessions;
  if (!sessions.get(id)) return false;
  // The session row goes first: a run ending meanwhile then stores no transcript and a submit finds no session.
  const deleted = sessions.delete(id);
  for (const jobId of sessions.jobIds(id)) deleteJob(deps, jobId);
  return deleted;
}
