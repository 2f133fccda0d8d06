// DELETE /api/v1/sessions/{id}: a session goes with everything of it. Its queued and running turns are
// cancelled first (as DELETE of a job cancels a running job), so no CLI keeps working on a session that no
// longer exists; then its jobs, their events and deliveries, and its stored transcript are deleted.
import { deleteJob, type JobDeps } from "../job/commands";
import type { WorkspaceStore } from "../workspace/workspace-store";

export async function deleteSession(deps: JobDeps, workspaces: WorkspaceStore, id: string): Promise<boolean> {
  const sessions = deps.store.sessions;
  if (!(await sessions.get(id))) return false;
  // The session row goes first: a run ending meanwhile then stores no transcript or files, and a submit finds
  // no session.
  const deleted = await sessions.delete(id);
  for (const jobId of await sessions.jobIds(id)) await deleteJob(deps, jobId);
  await workspaces.removeAll(id);
  return deleted;
}
