// Crash recovery finds a run's leftovers by their CG_JOB_ID marker; this database's warm CLI processes are leftovers,
// another gateway's (another database's tag) are not.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findRunProcesses, isLeftover } from "../../../runtime/queue/orphan-reaper";

describe("orphan reaper", () => {
  it("finds processes of this database's jobs and warm CLI processes, nothing else", () => {
    const proc = mkdtempSync(join(tmpdir(), "cg-proc-"));
    const fake = (pid: number, environ: string) => {
      mkdirSync(join(proc, String(pid)));
      writeFileSync(join(proc, String(pid), "environ"), environ);
    };
    fake(101, "PATH=/bin\0CG_JOB_ID=warm-aaaaaaaaaaaa-0b7c\0");
    fake(102, "CG_JOB_ID=job-ours\0HOME=/h\0");
    fake(103, "CG_JOB_ID=job-elsewhere\0");
    fake(104, "PATH=/bin\0");
    fake(105, "CG_JOB_ID=warm-bbbbbbbbbbbb-0b7c\0"); // another gateway's warm CLI
    const found = findRunProcesses(isLeftover((id) => id === "job-ours", "warm-aaaaaaaaaaaa-"), proc);
    expect(found.sort()).toEqual([101, 102]);
  });
});
