// After a crash (the server SIGKILLed, the machine's OOM killer), CLI processes or their children may still
// run. `setpriv --pdeathsig` takes the CLI down with us, but not its grandchildren. Every process of a run
// carries CG_JOB_ID in its environment, so a restarting server finds them in /proc and ends them before the
// jobs run again. That includes runs whose job had already ended: a crash between a job's result and the
// clean-up of its process group (a CLI lingering after its result, with a tool shell) leaves them too. At
// start-up no run of ours exists yet, so every process marked with one of our jobs is a leftover, unless the
// gateway that started it (CG_GATEWAY_PID) is alive: another instance on the same PostgreSQL database and
// machine. Linux only; elsewhere this finds nothing.
import { readdirSync, readFileSync } from "node:fs";
import { GATEWAY_PID_VAR, JOB_MARKER_VAR } from "../cli/env";

/**
 * At start-up, which run markers are leftovers: any job of this database, and any warm CLI process of this
 * database (runtime/queue/warm-pool.ts; CG_JOB_ID=`warmPrefix`<uuid>), which belongs to no job until one takes it.
 * Another gateway's warm processes (another database) are not ours.
 */
export const isLeftover = (jobExists: (jobId: string) => Promise<boolean>, warmPrefix: string) => async (marker: string): Promise<boolean> =>
  marker.startsWith(warmPrefix) || jobExists(marker);

/** Whether a process of this pid exists (one of another user's counts). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the gateway of pid `pid` still runs (not this process: at start-up this one has no run yet). */
function gatewayAlive(pid: string | undefined): boolean {
  if (pid === undefined || !/^\d+$/.test(pid) || Number(pid) === process.pid) return false;
  return processAlive(Number(pid));
}

/** Live processes with a run marker (CG_JOB_ID), started by a gateway that is gone. */
export function findRunProcesses(procDir = "/proc"): { pid: number; marker: string }[] {
  const prefix = `${JOB_MARKER_VAR}=`;
  const gatewayPrefix = `${GATEWAY_PID_VAR}=`;
  let entries: string[];
  try {
    entries = readdirSync(procDir);
  } catch {
    return [];
  }
  const found: { pid: number; marker: string }[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`${procDir}/${name}/environ`, "latin1");
    } catch {
      continue; // gone, or not ours to read
    }
    const vars = environ.split("\0");
    const marker = vars.find((kv) => kv.startsWith(prefix));
    if (marker === undefined) continue;
    if (gatewayAlive(vars.find((kv) => kv.startsWith(gatewayPrefix))?.slice(gatewayPrefix.length))) continue;
    found.push({ pid: Number(name), marker: marker.slice(prefix.length) });
  }
  return found;
}

/** Kills the leftover processes whose marker `isOurs` claims; returns their pids. */
export async function reapRunProcesses(isOurs: (marker: string) => Promise<boolean>): Promise<number[]> {
  const pids: number[] = [];
  for (const p of findRunProcesses()) if (await isOurs(p.marker)) pids.push(p.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  return pids;
}
