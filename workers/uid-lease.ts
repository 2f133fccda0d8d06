// User mode gives each live run a uid of its own (CLAUDEGATE_SANDBOX_UID + slot), so that one run cannot read
// another's folder or /proc entries. The slots are Int32s in a SharedArrayBuffer that every worker thread of
// the pool sees (runtime/queue/cli-pool.ts): 0 free, 1 taken, claimed with a compare-and-swap.
import { spawn } from "node:child_process";
import { SETPRIV } from "../runtime/sandbox/wrap";

const KILL = "/bin/kill";

/** The index of a slot now held by the caller, or undefined when all are taken. */
export function leaseSlot(leases: SharedArrayBuffer): number | undefined {
  const slots = new Int32Array(leases);
  for (let i = 0; i < slots.length; i++) {
    if (Atomics.compareExchange(slots, i, 0, 1) === 0) return i;
  }
  return undefined;
}

export function releaseSlot(leases: SharedArrayBuffer, slot: number): void {
  Atomics.store(new Int32Array(leases), slot, 0);
}

/**
 * User mode: ends every process of the run's uid, also those that left the CLI's process group (`setsid cmd &`).
 * Before the gateway reads the run's folder back, so none can swap a file for a link meanwhile, and before the uid
 * goes to another run, whose folder such a process could otherwise read. kill(-1) as that uid reaches only its
 * processes (and not the kill itself).
 */
export function killUid(uid: number): Promise<void> {
  const id = String(uid);
  return new Promise((resolve) => {
    const child = spawn(SETPRIV, ["--reuid", id, "--regid", id, "--clear-groups", "--", KILL, "-KILL", "--", "-1"], { stdio: "ignore" });
    child.on("error", () => resolve());
    child.on("close", () => resolve()); // exit 1 when the uid had no process left: nothing to do
  });
}
