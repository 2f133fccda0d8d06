// Crash recovery finds a run's leftovers by their CG_JOB_ID marker; this database's warm CLI processes are leftovers,
// another gateway's (another database's tag) are not, and neither are the runs of a gateway that still lives
// (another instance on the same machine and PostgreSQL database).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findRunProcesses, isLeftover } from "../../../runtime/queue/orphan-reaper";

/** A fake /proc with the given pid → environ entries. */
function fakeProc(processes: Record<number, string>): string {
  const proc = mkdtempSync(join(tmpdir(), "cg-proc-"));
  for (const [pid, environ] of Object.entries(processes)) {
    mkdirSync(join(proc, pid));
    writeFileSync(join(proc, pid, "environ"), environ);
  }
  return proc;
}

/** The markers reapRunProcesses would kill: what findRunProcesses finds, filtered by `isOurs`. */
async function leftovers(proc: string, isOurs: (marker: string) => Promise<boolean>): Promise<number[]> {
  const pids: number[] = [];
  for (const p of findRunProcesses(proc)) if (await isOurs(p.marker)) pids.push(p.pid);
  return pids.sort((a, b) => a - b);
}

describe("orphan reaper", () => {
  it("finds processes of this database's jobs and warm CLI processes, nothing else", async () => {
    const proc = fakeProc({
      101: "PATH=/bin\0CG_JOB_ID=warm-aaaaaaaaaaaa-0b7c\0",
      102: "CG_JOB_ID=job-ours\0HOME=/h\0",
      103: "CG_JOB_ID=job-elsewhere\0",
      104: "PATH=/bin\0",
      105: "CG_JOB_ID=warm-bbbbbbbbbbbb-0b7c\0", // another gateway's warm CLI
    });
    expect(findRunProcesses(proc).sort((a, b) => a.pid - b.pid)).toEqual([
      { pid: 101, marker: "warm-aaaaaaaaaaaa-0b7c" },
      { pid: 102, marker: "job-ours" },
      { pid: 103, marker: "job-elsewhere" },
      { pid: 105, marker: "warm-bbbbbbbbbbbb-0b7c" },
    ]);
    expect(await leftovers(proc, isLeftover(async (id) => id === "job-ours", "warm-aaaaaaaaaaaa-"))).toEqual([101, 102]);
  });

  it("skips a process whose gateway (CG_GATEWAY_PID) is another live process, and takes one whose gateway is gone or is this one", () => {
    const gone = spawnSync(process.execPath, ["-e", ""]).pid; // exited and reaped: its pid names no process now
    const alive = process.ppid; // vitest's main process: alive, and not this one
    const proc = fakeProc({
      201: `CG_JOB_ID=job-a\0CG_GATEWAY_PID=${alive}\0`,
      202: `CG_JOB_ID=job-b\0CG_GATEWAY_PID=${gone}\0`,
      203: `CG_GATEWAY_PID=${process.pid}\0CG_JOB_ID=job-c\0`, // this process at start-up has no run yet
      204: "CG_JOB_ID=job-d\0CG_GATEWAY_PID=not-a-pid\0",
    });
    expect(findRunProcesses(proc).sort((a, b) => a.pid - b.pid)).toEqual([
      { pid: 202, marker: "job-b" },
      { pid: 203, marker: "job-c" },
      { pid: 204, marker: "job-d" },
    ]);
  });

  it("finds nothing without a /proc", () => {
    expect(findRunProcesses(join(tmpdir(), "cg-no-such-proc-dir"))).toEqual([]);
  });
});
