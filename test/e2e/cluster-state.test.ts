// What must be one for the whole cluster, not one per gateway (issue 12): the queue pause, Idempotency-Keys,
// tenant keys (a revoke), the submit rate limit and the view of the cluster in /api/v1/stats. Three gateways on one
// PostgreSQL database; each check acts on one member and looks at another.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { startCluster, type Cluster } from "../support/cluster";
import { API_KEY, FAKE_CLI, type GatewayProcess, waitUntil } from "../support/gateway-process";
import { createTenant, submitAs, type Tenant } from "../support/tenants";

const RATE = 10;
const RATE_KEY = "rate-key-0123456789";
const LEASE_S = 3;

let cluster: Cluster;
let A: GatewayProcess;
let B: GatewayProcess;
let C: GatewayProcess;
beforeAll(async () => {
  cluster = await startCluster(3, {
    env: {
      CLAUDEGATE_CLAUDE_PATH: FAKE_CLI,
      CLAUDEGATE_API_KEYS: `${API_KEY},${RATE_KEY}`,
      CLAUDEGATE_RATE_LIMIT: String(RATE),
      CLAUDEGATE_LEASE_SECONDS: String(LEASE_S),
    },
  });
  [A, B, C] = cluster.members as [GatewayProcess, GatewayProcess, GatewayProcess];
});
afterAll(async () => {
  await cluster?.stopAll();
});

const statusOf = async (gw: GatewayProcess, id: string) => (await gw.json("GET", `/api/v1/jobs/${id}`)).body.status;

describe("cluster-wide state", () => {
  it("a pause on A holds B and C; a resume on C lets them run (10 rounds)", async () => {
    // Rounds, because what fails is a race: B and C keep a copy of the pause that hears of A's change a moment
    // late (a notification, then a read that an older one still in flight could overwrite).
    onTestFinished(async () => void (await C.json("POST", "/api/v1/queue/resume"))); // a failed round leaves no pause behind
    for (let round = 0; round < 10; round++) {
      expect((await A.json("POST", "/api/v1/queue/pause", { reason: `maintenance ${round}` })).status).toBe(200);
      // Submitted right after the pause answered, to instances with a free slot that would claim them at once.
      const held = [(await B.submit({ prompt: `[[reply:held on B]] ${round}` })).job_id, (await C.submit({ prompt: `[[reply:held on C]] ${round}` })).job_id];
      // Nothing starts: a free instance claims within milliseconds of a submit, so 300 ms of `queued` on every
      // poll is a long time.
      const until = Date.now() + 300;
      do {
        for (const id of held) expect(await statusOf(A, id), `round ${round}`).toBe("queued");
        await new Promise((r) => setTimeout(r, 50));
      } while (Date.now() < until);
      for (const gw of [B, C]) expect((await gw.json("GET", "/api/v1/stats")).body.pause).toMatchObject({ paused: true, reason: `maintenance ${round}` });
      expect((await C.json("POST", "/api/v1/queue/resume")).body).toEqual({ paused: false });
      for (const id of held) expect((await A.waitJob(id, undefined, 10_000)).status).toBe("completed");
    }
    expect((await B.json("GET", "/api/v1/stats")).body.pause).toEqual({ paused: false });
  });

  // The Idempotency-Key checks submit as a tenant whose own rate limit is far above CLAUDEGATE_RATE_LIMIT, which
  // they would otherwise trip: their requests come in bursts.
  let tenant: Tenant;
  it("an Idempotency-Key replay on another instance gives the same job", async () => {
    tenant = await createTenant(A, "idempotent", { rate_limit: 1000 });
    for (const gw of [B, C]) await waitUntil(async () => (await gw.json("GET", "/api/v1/jobs", undefined, tenant.h)).status === 200, 5_000, "the tenant key everywhere");
    const body = { prompt: "[[reply:once]] idempotent" };
    const key = { ...tenant.h, "Idempotency-Key": `replay-${Date.now()}` };
    const first = await A.json("POST", "/api/v1/jobs", body, key);
    expect(first.status).toBe(202);
    const again = await B.json("POST", "/api/v1/jobs", body, key);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    // A different body under the same key is refused on a third instance too.
    expect((await C.json("POST", "/api/v1/jobs", { prompt: "something else" }, key)).status).toBe(422);
  });

  it("two concurrent submits with one Idempotency-Key on two instances create one job", async () => {
    for (let round = 0; round < 5; round++) {
      const prompt = `[[reply:raced]] idempotent race ${round} ${Date.now()}`;
      const key = { ...tenant.h, "Idempotency-Key": `race-${round}-${Date.now()}` };
      const [onA, onB] = await Promise.all([A.json("POST", "/api/v1/jobs", { prompt }, key), B.json("POST", "/api/v1/jobs", { prompt }, key)]);
      expect([onA.status, onB.status]).toEqual([202, 202]);
      expect(onA.body.job_id).toBe(onB.body.job_id);
      // Exactly one of them made it, the other replayed it.
      expect([onA.headers.get("idempotent-replayed"), onB.headers.get("idempotent-replayed")].sort()).toEqual(["true", null].sort());
      const jobs = (await C.json("GET", "/api/v1/jobs?limit=100", undefined, tenant.h)).body.jobs.filter((j: any) => j.prompt === prompt);
      expect(jobs.map((j: any) => j.job_id)).toEqual([onA.body.job_id]);
    }
  });

  it("a tenant key revoked on A is refused on B and C within a second", async () => {
    const tenant = await createTenant(A, "revoked across");
    // B and C know the new key (they heard of it) before the revoke: their copies are what must change.
    for (const [name, gw] of [["B", B], ["C", C]] as const) {
      await waitUntil(async () => (await gw.json("GET", "/api/v1/jobs", undefined, tenant.h)).status === 200, 5_000, `${name} to accept the new key`);
    }
    expect((await A.json("DELETE", `/api/v1/keys/${tenant.id}`)).status).toBe(200);
    const revokedAt = Date.now();
    // Each instance hears the revocation on its own LISTEN connection: B and C each within the second.
    for (const [name, gw] of [["B", B], ["C", C]] as const) {
      await waitUntil(async () => (await gw.json("GET", "/api/v1/jobs", undefined, tenant.h)).status === 401, 1_000, `${name} to refuse the revoked key`);
      expect(Date.now() - revokedAt, name).toBeLessThan(1_000);
    }
  });

  it("a tenant key's max_running holds across instances, also when a resume wakes all three at once", async () => {
    const t = await createTenant(A, "one at a time", { max_running: 1 });
    for (const [name, gw] of [["B", B], ["C", C]] as const) {
      await waitUntil(async () => (await gw.json("GET", "/api/v1/jobs", undefined, t.h)).status === 200, 5_000, `${name} to accept the new key`);
    }
    onTestFinished(async () => void (await C.json("POST", "/api/v1/queue/resume")));
    expect((await A.json("POST", "/api/v1/queue/pause", { reason: "max_running" })).status).toBe(200);
    for (let i = 0; i < 6; i++) await submitAs(cluster.members[i % 3]!, t, { prompt: `[[reply:a|b|c]][[delay:150]] one at a time ${i}` });
    // Every instance has a free slot and claims as soon as it hears of the resume.
    expect((await B.json("POST", "/api/v1/queue/resume")).status).toBe(200);
    let peak = 0;
    await waitUntil(async () => {
      const jobs = (await A.json("GET", "/api/v1/jobs?limit=100", undefined, t.h)).body.jobs as any[];
      peak = Math.max(peak, jobs.filter((j) => j.status === "processing").length);
      return jobs.length === 6 && jobs.every((j) => j.status === "completed");
    }, 30_000, "the tenant's jobs to complete");
    expect(peak).toBe(1);
  });

  it("the submit rate limit holds across instances: requests spread over three get 429 as if sent to one", async () => {
    const post = (gw: GatewayProcess) => gw.json("POST", "/api/v1/jobs", { prompt: "[[reply:rate]]" }, { "X-API-Key": RATE_KEY });
    const sent = 3 * RATE;
    const t0 = Date.now();
    const answers = await Promise.all(Array.from({ length: sent }, (_, i) => post(cluster.members[i % 3]!)));
    const elapsed = Date.now() - t0;
    const passed = answers.filter((r) => r.status === 202).length;
    expect(answers.filter((r) => r.status !== 202 && r.status !== 429)).toEqual([]);
    // One bucket of RATE for the key, refilled at RATE per second while the requests were in flight; three
    // buckets (one per instance) would have let all 30 through.
    expect(passed).toBeGreaterThanOrEqual(RATE);
    expect(passed).toBeLessThanOrEqual(RATE + Math.ceil((elapsed * RATE) / 1000));
    expect(passed).toBeLessThan(sent);
    // Every instance refused some (the bucket is the cluster's, not the first instance's).
    for (let m = 0; m < 3; m++) expect(answers.filter((r, i) => i % 3 === m && r.status === 429).length, `member ${m}`).toBeGreaterThanOrEqual(1);
  });

  it("/api/v1/stats on any instance lists the three instances with their heartbeats", async () => {
    // The jobs above have ended: every instance runs none.
    await waitUntil(async () => {
      const q = (await A.json("GET", "/api/v1/stats")).body.queue;
      return q.queued === 0 && q.processing === 0;
    }, 20_000, "the queue to drain");
    const ids = await Promise.all(cluster.members.map(async (m) => (await m.json("GET", "/api/v1/stats")).body.instance_id as string));
    expect(new Set(ids).size).toBe(3);
    for (const m of cluster.members) {
      const stats = (await m.json("GET", "/api/v1/stats")).body;
      expect(stats.database).toBe("postgres");
      expect(stats.instances.map((i: any) => i.id).sort()).toEqual([...ids].sort());
      for (const i of stats.instances) {
        expect(i.pid).toBe(cluster.members[ids.indexOf(i.id)]!.child.pid);
        expect(Date.now() - Date.parse(i.last_heartbeat)).toBeLessThan(3 * LEASE_S * 1000);
        expect(i.running_jobs).toBe(0);
      }
    }
  });
});
