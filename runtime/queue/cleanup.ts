// TTL cleanup of terminal jobs, as the original, but also once at start-up (the original waited one interval).
// Sessions follow: one whose last turn the cleanup took, and that nobody used since the cutoff, goes too. With
// several instances on one database, one of them does it each time (the others find the lock taken).
import type { JobStore } from "../store/job-store";
import type { Sql } from "../store/sql/sql";
import { exclusively } from "../store/sql/exclusively";
import type { WorkspaceStore } from "../workspace/workspace-store";
import { log } from "../log";

/** Runs the cleanup once now and then every `intervalMs`; resolves after the first run with the stop function. */
export async function startCleanup(sql: Sql, store: JobStore, ttlMs: number, intervalMs: number, workspaces?: WorkspaceStore): Promise<() => void> {
  if (ttlMs <= 0) return () => {};
  const run = async () => {
    const cutoff = Date.now() - ttlMs;
    const done = await exclusively(sql, "cleanup", async (tx) => {
      const s = store.in(tx);
      const jobs = await s.deleteTerminalBefore(cutoff);
      const sessions: string[] = [];
      for (const id of await s.sessions.expired(cutoff)) if (await s.sessions.delete(id)) sessions.push(id);
      return { jobs, sessions };
    });
    if (!done) return;
    if (done.jobs > 0) log("info", "cleanup: deleted old jobs", { count: done.jobs });
    for (const id of done.sessions) {
      await workspaces?.removeAll(id).catch((err: unknown) => log("error", "cleanup: could not delete a session's files", { session_id: id, error: String(err) }));
    }
    if (done.sessions.length > 0) log("info", "cleanup: deleted old sessions", { count: done.sessions.length });
  };
  const safely = () => run().catch((err: unknown) => log("error", "cleanup failed", { error: String((err as Error)?.message ?? err) }));
  await safely();
  const timer = setInterval(safely, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
