// The database goes away for 10 s under two gateways (issue 12: "a lost database connection is retried with
// backoff, health says `degraded` meanwhile, and no request hangs past a bound"). A PostgreSQL server of this
// file's own (test/support/postgres.ts), stopped and started again on the same data: no gateway crashes, health
// answers quickly and says `degraded` during the outage and `ok` after, the jobs caught running by the outage
// complete, and so does a job submitted after it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "../support/cluster";
import { FAKE_CLI, type GatewayProcess, waitUntil } from "../support/gateway-process";
import { startPostgres, type TestPostgres } from "../support/postgres";

const OUTAGE_MS = 10_000;
/** How long a request may take while the database is gone: health bounds its ping at 2 s, connecting at 5 s. */
const HEALTH_BOUND_MS = 3_000;
const REQUEST_BOUND_MS = 7_000;

let pg: TestPostgres;
let cluster: Cluster;
beforeAll(async () => {
  pg = await startPostgres();
  cluster = await startCluster(2, {
    databaseUrl: await pg.createDatabase(),
    env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_LEASE_SECONDS: "3" },
  });
});
afterAll(async () => {
  await cluster?.stopAll();
  await pg?.stop();
});

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await work();
  return { value, ms: Date.now() - t0 };
}

const health = (gw: GatewayProcess) => timed(() => gw.json("GET", "/api/v1/health"));

describe("losing the database for 10 s", () => {
  it("degrades, answers within a bound, recovers, and finishes the jobs it interrupted and a new one", async () => {
    const [a, b] = cluster.members as [GatewayProcess, GatewayProcess];
    for (const gw of [a, b]) expect((await gw.json("GET", "/api/v1/health")).body.status).toBe("ok");

    // One job running on each instance (one slot each) when the database goes: runs of 2 s of chunks, which end
    // during the outage, so their outcomes cannot be stored. Their leases (3 s) run out meanwhile.
    const spans = `[[reply:${Array.from({ length: 11 }, (_, i) => `p${i} `).join("|")}]][[delay:200]] spans the outage`;
    const before = [await a.submit({ prompt: `${spans} 1` }), await b.submit({ prompt: `${spans} 2` })];
    const runners = await waitUntil(async () => {
      const rs = await Promise.all(before.map((j) => cluster.runnerOf(j.job_id)));
      return rs.every(Boolean) && rs;
    }, 10_000, "both jobs to run");
    expect(new Set(runners).size).toBe(2);
    await pg.halt();
    const haltedAt = Date.now();

    // During the outage every instance answers health within the bound, and says degraded; a submit is refused
    // (not left hanging) within its own bound.
    for (const gw of [a, b]) {
      const h = await health(gw);
      expect(h.ms).toBeLessThan(HEALTH_BOUND_MS);
      expect(h.value.status).toBe(200);
      expect(h.value.body.status).toBe("degraded");
      expect(h.value.body.reason).toMatch(/database unreachable/);
    }
    const refused = await timed(() => b.json("POST", "/api/v1/jobs", { prompt: "[[reply:during]] outage" }));
    expect(refused.ms).toBeLessThan(REQUEST_BOUND_MS);
    expect(refused.value.status).toBeGreaterThanOrEqual(500);
    expect(refused.value.body).toMatchObject({ error: expect.any(String) });
    // Health stays degraded, and quick, for the whole outage.
    while (Date.now() - haltedAt < OUTAGE_MS - HEALTH_BOUND_MS) {
      const h = await health(a);
      expect(h.ms).toBeLessThan(HEALTH_BOUND_MS);
      expect(h.value.body.status).toBe("degraded");
      await new Promise((r) => setTimeout(r, 500));
    }
    await waitUntil(() => Date.now() - haltedAt >= OUTAGE_MS, OUTAGE_MS, "the outage to last 10 s");
    await pg.resume();

    // Back: both instances say ok again (the pool reconnects on use, the listener with backoff of at most 5 s).
    for (const gw of [a, b]) await waitUntil(async () => (await gw.json("GET", "/api/v1/health")).body.status === "ok", 15_000, "health ok");
    const after = await b.submit({ prompt: "[[reply:after]] the outage" });
    expect((await b.waitJob(after.job_id, undefined, 20_000)).status).toBe("completed");
    // The jobs the outage interrupted complete too, once: a run's outcome that could not be stored is tried again
    // for about 15 s (attempt 1 completes), unless its lease ran out first and recovery ran the job again
    // (attempt 2, counted as after a crash); whichever came first, the job has one result.
    for (const j of before) {
      const done = await a.waitJob(j.job_id, undefined, 20_000);
      expect(done.status).toBe("completed");
      expect([1, 2]).toContain(done.attempts);
      const events = (await a.json("GET", `/api/v1/jobs/${j.job_id}/events`)).body.events as { event: string }[];
      expect(events.filter((e) => e.event === "result").length).toBe(1);
      expect(events.at(-1)!.event).toBe("result");
    }

    // No crash.
    for (const gw of [a, b]) {
      expect(gw.child.exitCode).toBeNull();
      expect(gw.child.signalCode).toBeNull();
    }
  }, 90_000);
});
