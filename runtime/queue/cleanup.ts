// TTL cleanup of terminal jobs, as the original, but also once at start-up (the original waited one interval).
import type { JobStore } from "../store/job-store";
import { log } from "../log";

export function startCleanup(store: JobStore, ttlMs: number, intervalMs: number): () => void {
  if (ttlMs <= 0) return () => {};
  const run = () => {
    const n = store.deleteTerminalBefore(Date.now() - ttlMs);
    if (n > 0) log("info", "cleanup: deleted old jobs", { count: n });
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
