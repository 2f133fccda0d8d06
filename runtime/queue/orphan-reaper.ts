// After a crash (the server SIGKILLed, the machine's OOM killer), CLI processes or their children may still
// run. `setpriv --pdeathsig` takes the CLI down with us, but not its grandchildren. Every process of a run
// carries CG_JOB_ID in its environment, so a restarting server finds them in /proc and ends them before the
// jobs run again. That includes runs whose job had already ended: a crash between a job's result and the
// clean-up of its process group (a CLI lingering after its result, with a tool shell) leaves them too. At
// start-up no run of ours exists yet, so every process marked with one of our jobs is a leftover. Linux only;
// elsewhere this finds nothing.
import { readdirSync, readFileSync } from "node:fs";
import { JOB_MARKER_VAR } from "../cli/env";

/**
 * At start-up, which run markers are leftovers: any job of this database, and any warm CLI process of this
 * database (runtime/queue/warm-pool.ts; CG_JOB_ID=`warmPrefix`<uuid>), which belongs to no job until one takes it.
 * Another gateway's warm processes (another database) are not ours.
 */
export const isLeftover = (jobExists: (jobId: string) => boolean, warmPrefix: string) => (marker: string): boolean =>
  marker.startsWith(warmPrefix) || jobExists(marker);

/** Pids of live processes whose CG_JOB_ID names a job for which `isOurs` holds. */
export function findRunProcesses(isOurs: (jobId: string) => boolean, procDir = "/proc"): number[] {
  const prefix = `${JOB_MARKER_VAR}=`;
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
    const marker = environ.split("\0").find((kv) => kv.startsWith(prefix));
    if (marker !== undefined && isOurs(marker.slice(prefix.length))) pids.push(Number(name));
  }
  return pids;
}

export function reapRunProcesses(isOurs: (jobId: string) => boolean): number[] {
  const pids = findRunProcesses(isOurs);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  return pids;
}
