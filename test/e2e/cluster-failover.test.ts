// Three gateways on one PostgreSQL database lose one of them by SIGKILL while its runs are in flight (issue 12,
// "Leases, not ownership"): every job still ends exactly once, no job ever has two CLIs alive at once, and the dead
// instance's jobs finish on the others within a lease and a run. The scripted CLI counts its own lives per job
// (FAKE_CLAUDE_LIVES, test/support/fake-claude.mjs): each start records itself and every earlier CLI of the same
// job still alive at that moment, which is exactly when two runs of one job would overlap.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "../support/cluster";
import { openDatabase, type TestDatabase } from "../support/database";
import { FAKE_CLI, waitUntil } from "../support/gateway-process";
import { cliProcesses } from "../support/processes";

const JOBS = 90;
const LEASE_MS = 3_000;
const CONCURRENCY = 4;
/** One run: 6 deltas 150 ms apart, plus a Node start. */
const RUN_PROMPT = "[[reply:a|b|c|d|e|f]][[delay:150]]";
const RUN_MS = 5 * 150 + 400;
const lives = mkdtempSync(join(tmpdir(), "cg-lives-"));

let cluster: Cluster | undefined;
let db: TestDatabase | undefined;
afterAll(async () => {
  await db?.close();
  await cluster?.stopAll("SIGKILL");
});

interface Life {
  pid: string;
  start: number;
  gateway: string;
  end?: number;
}

/** Every CLI of every job, and the overlaps their starts saw, from FAKE_CLAUDE_LIVES. */
function readLives(): { byJob: Map<string, Life[]>; overlaps: string[] } {
  const byJob = new Map<string, Life[]>();
  const overlaps: string[] = [];
  for (const jobId of readdirSync(lives)) {
    const runs: Life[] = [];
    for (const line of readFileSync(join(lives, jobId), "utf8").split("\n").filter(Boolean)) {
      const [kind, pid, at, gateway] = line.split(" ");
      if (kind === "start") runs.push({ pid: pid!, start: Number(at), gateway: gateway! });
      else if (kind === "end") runs.find((r) => r.pid === pid)!.end = Number(at);
      else if (kind === "overlap") overlaps.push(`${jobId}: ${line}`);
    }
    byJob.set(jobId, runs);
  }
  return { byJob, overlaps };
}

/** Whether process `pid` was started by the gateway with pid `gatewayPid` (its CG_GATEWAY_PID). */
function startedBy(pid: number, gatewayPid: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`CG_GATEWAY_PID=${gatewayPid}`);
  } catch {
    return false; // gone meanwhile
  }
}

describe("three instances, one killed mid-run", () => {
  it("ends each of 90 jobs exactly once, never runs a job twice at once, and finishes the dead one's jobs elsewhere", async () => {
    cluster = await startCluster(3, {
      env: {
        CLAUDEGATE_CLAUDE_PATH: FAKE_CLI,
        CLAUDEGATE_CONCURRENCY: String(CONCURRENCY),
        CLAUDEGATE_LEASE_SECONDS: String(LEASE_MS / 1000),
        CLAUDEGATE_CLI_ENV: "FAKE_CLAUDE_LIVES",
        FAKE_CLAUDE_LIVES: lives,
      },
    });
    const [a, b, victim] = cluster.members as [NonNullable<Cluster["members"][0]>, NonNullable<Cluster["members"][0]>, NonNullable<Cluster["members"][0]>];
    db = await openDatabase(victim);
    const victimId: string = (await victim.json("GET", "/api/v1/stats")).body.instance_id;

    // Round robin over the three, as a load balancer would.
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) ids.push((await cluster.members[i % 3]!.submit({ prompt: `${RUN_PROMPT} job-${i}` })).job_id);

    // In flight: the victim holds leases on running jobs whose CLIs are alive.
    await waitUntil(
      async () => (await db!.value<number>(`SELECT COUNT(*) FROM jobs WHERE status = 'processing' AND lease_owner = ?`, victimId)) >= 3,
      20_000,
      "the victim to run 3 jobs",
    );
    await victim.stop("SIGKILL");
    const killedAt = Date.now();
    // Rows are the truth once the victim is gone: what it held then is what the others must recover.
    const orphans = (await db.all<{ id: string }>(`SELECT id FROM jobs WHERE status = 'processing' AND lease_owner = ?`, victimId)).map((r) => r.id);
    expect(orphans.length).toBeGreaterThanOrEqual(1);
    // Its CLIs die with it (setpriv --pdeathsig), so none of its runs can overlap a new one.
    const victimPid = String(victim.child.pid);
    await waitUntil(() => !cliProcesses().some((p) => startedBy(p.pid, victimPid)), 5_000, "the victim's CLIs to die");

    await waitUntil(
      async () => (await db!.value<number>(`SELECT COUNT(*) FROM jobs WHERE status IN ('completed', 'failed', 'cancelled')`)) === JOBS,
      45_000,
      "every job to end",
    );

    // The jobs table: each job once, completed, on its first attempt or, recovered from the victim, its second.
    // Every orphan was recovered. A claim the victim sent just before it died may commit after the snapshot
    // above (the server reads the COMMIT already in its socket): such a job is recovered too, so the recovered
    // jobs are the orphans and maybe a few more.
    const rows = await db.all<{ id: string; status: string; attempts: number; completed_at: number }>(`SELECT id, status, attempts, completed_at FROM jobs`);
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(rows.filter((r) => r.status !== "completed")).toEqual([]);
    expect(rows.filter((r) => r.attempts !== 1 && r.attempts !== 2)).toEqual([]);
    const recovered = new Set(rows.filter((r) => r.attempts === 2).map((r) => r.id));
    expect(orphans.filter((id) => !recovered.has(id))).toEqual([]);
    expect(recovered.size).toBeLessThanOrEqual(CONCURRENCY); // the victim never held more

    // Each job's events: exactly one `result`, the last one, saying completed (read on a survivor).
    for (const id of ids) {
      const page = (await a.json("GET", `/api/v1/jobs/${id}/events?limit=1000`)).body;
      const results = page.events.filter((e: any) => e.event === "result");
      expect(results, id).toHaveLength(1);
      expect(page.events.at(-1).event, id).toBe("result");
      expect(results[0].data.status, id).toBe("completed");
    }

    // No job ever had two CLIs alive at once. Every other job had one CLI; an orphan had at most one on the victim
    // (it may have died between the claim and the spawn) and then exactly one on a survivor, started after the kill.
    const { byJob, overlaps } = readLives();
    expect(overlaps).toEqual([]);
    const survivors = new Set([String(a.child.pid), String(b.child.pid)]);
    for (const r of rows) {
      const runs = byJob.get(r.id) ?? [];
      if (!recovered.has(r.id)) expect(runs.length, r.id).toBe(1);
      else {
        const [before, after] = [runs.filter((x) => x.gateway === victimPid), runs.filter((x) => x.gateway !== victimPid)];
        expect(before.length, r.id).toBeLessThanOrEqual(1);
        expect(after.length, r.id).toBe(1);
        expect(survivors.has(after[0]!.gateway), r.id).toBe(true);
        expect(after[0]!.start, r.id).toBeGreaterThan(killedAt);
      }
      // Runs that ended on their own did so before the next began (the start-time check above covers killed ones).
      for (let i = 1; i < runs.length; i++) if (runs[i - 1]!.end !== undefined) expect(runs[i]!.start).toBeGreaterThan(runs[i - 1]!.end!);
    }

    // Within lease expiry + one run: the lease runs out at most LEASE_MS after the kill, the next round of an
    // instance (every third of a lease) recovers it, the next free slot takes it (the oldest queued job first), and
    // one run completes it. 2 s of slack for two loaded cores.
    const bound = LEASE_MS + LEASE_MS / 3 + 2 * RUN_MS + 2_000;
    const late = rows.filter((r) => recovered.has(r.id) && r.completed_at - killedAt > bound);
    expect(late.map((r) => `${r.id} +${r.completed_at - killedAt} ms`)).toEqual([]);
  }, 90_000);
});
