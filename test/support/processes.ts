// Finds processes by what the gateway marks them with, to prove that no CLI (or child of one) is left behind.
import { readdirSync, readFileSync } from "node:fs";

/** Live (non-zombie) processes whose environment has `CG_JOB_ID=`, optionally for given job ids. */
export function cliProcesses(jobIds?: string[]): { pid: number; jobId: string }[] {
  const found: { pid: number; jobId: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const env = readFileSync(`/proc/${name}/environ`, "latin1").split("\0");
      const jobId = env.find((kv) => kv.startsWith("CG_JOB_ID="))?.slice("CG_JOB_ID=".length);
      if (jobId && (!jobIds || jobIds.includes(jobId))) found.push({ pid: Number(name), jobId });
    } catch {
      /* exited while we looked */
    }
  }
  return found;
}

/** How many distinct jobs have a CLI (or a child of one) alive right now. */
export function liveRuns(jobIds?: string[]): number {
  return new Set(cliProcesses(jobIds).map((p) => p.jobId)).size;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}
