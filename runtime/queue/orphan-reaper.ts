// After a crash (the server SIGKILLed, the machine's OOM killer), CLI processes or their children may still
// run. `setpriv --pdeathsig` takes the CLI down with us, but not its grandchildren. Every process of a run
// carries CG_JOB_ID in its environment, so a restarting server finds them in /proc and ends them before the
// jobs run again. Linux only; elsewhere this finds nothing.
import { readdirSync, readFileSync } from "node:fs";
import { JOB_MARKER_VAR } from "../cli/env";

/** Pids of live processes whose environment names one of `jobIds`. */
export function findRunProcesses(jobIds: Iterable<string>, procDir = "/proc"): number[] {
  const wanted = new Set([...jobIds].map((id) => `${JOB_MARKER_VAR}=${id}`));
  if (wanted.size === 0) return [];
  let entries: string[];
  try {
    entries = readdirSync(procDir);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`${procDir}/${name}/environ`, "latin1");
    } catch {
      continue; // gone, or not ours to read
    }
    if (environ.split("\0").some((kv) => wanted.has(kv))) pids.push(Number(name));
  }
  return pids;
}

export function reapRunProcesses(jobIds: Iterable<string>): number[] {
  const pids = findRunProcesses(jobIds);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  return pids;
}
