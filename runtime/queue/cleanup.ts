// TTL cleanup of terminal jobs, as the original, but also once at start-up (the original waited one interval).
// Sessions follow: one whose last turn the cleanup took, and that nobody used since the cutoff, goes too.
import type { JobStore } from "../store/job-store";
import type { WorkspaceStore } from "../workspace/workspace-store";
import { log } from "../log";

export function startCleanup(store: JobStore, ttlMs: number, intervalMs: number, workspaces?: WorkspaceStore): () => void {
  if (ttlMs <= 0) return () => {};
  const run = () => {
    const cutoff = Date.now() - ttlMs;
    const n = store.deleteTerminalBefore(cutoff);
    if (n > 0) log("info", "cleanup: deleted old jobs", { count: n });
    let sessions = 0;
    for (const id of store.sessions.expired(cutoff)) {
      if (!store.sessions.delete(id)) continue;
      sessions++;
      workspaces?.removeAll(id).catch((err: unknown) => log("error", "cleanup: could not delete a session's files", { session_id: id, error: String(err) }));
    }
    if (sessions > 0) log("info", "cleanup: deleted old sessions", { count: sessions });
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
