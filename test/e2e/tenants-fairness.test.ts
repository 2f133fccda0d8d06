// Keys as tenants, step 5: the dispatcher serves keys with queued jobs in turn, not in global FIFO order, so
// one key's backlog does not delay another key's job by more than one run slot; within a key, FIFO.
import { describe, expect, it } from "vitest";
import { FAKE_CLI } from "../support/gateway-process";
import { useGateways } from "../support/contract";
import { createTenant, submitAs } from "../support/tenants";

const gws = useGateways({ main: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });

describe("fair scheduling between keys", () => {
  it("starts B's single job within one slot although A queued 200 before it; A's stay in order", async () => {
    const gw = gws.main;
    const a = await createTenant(gw, "backlog");
    const b = await createTenant(gw, "single");
    // One after another: the order of submits sent at once is the order they reach the database, which on
    // PostgreSQL (a transaction each, on several connections) need not be the order they were sent in.
    const aJobs: any[] = [];
    for (let i = 0; i < 200; i++) aJobs.push(await submitAs(gw, a, { prompt: `[[delay:5]] a-${i}` }));
    const bJob = await submitAs(gw, b, { prompt: "[[reply:b]] b-1" });
    // B is visible to claims from its commit, which is before its answer arrives here (same clock) and after
    // its created_at: a claim that began in between did not see it, so "arrived" is counted from the answer.
    const bArrived = Date.now();
    const bDone = await gw.waitJob(bJob.job_id);
    expect(bDone.status).toBe("completed");

    const started = (await gw.json("GET", "/api/v1/jobs?limit=100&status=completed", undefined, a.h)).body.jobs
      .concat((await gw.json("GET", "/api/v1/jobs?limit=100&status=processing", undefined, a.h)).body.jobs)
      .filter((j: any) => j.started_at);
    // A's jobs that started after B's had arrived and before B's started: none (B waited for the run in
    // progress when it arrived, nothing else). Strict FIFO would have put ~200 there.
    const cutIn = started.filter((j: any) => Date.parse(j.started_at) > bArrived && Date.parse(j.started_at) < Date.parse(bDone.started_at));
    expect(cutIn.map((j: any) => j.prompt)).toEqual([]);
    // Within A, first in first out: the jobs that ran are a prefix of A's submission order.
    const ran = new Set(started.map((j: any) => j.job_id));
    const order = aJobs.map((j) => ran.has(j.job_id));
    expect(order.indexOf(false)).toBe(ran.size);

    // Stop the backlog: revoke A, cancelling what still waits.
    const revoked = await gw.json("DELETE", `/api/v1/keys/${a.id}`);
    const errors = gw.output.split("\n").filter((l) => l.includes('"level":"ERROR"')).slice(-5);
    expect(revoked.status, `${JSON.stringify(revoked.body)} ${errors.join("\n")}`).toBe(200);
    expect(revoked.body.cancelled_jobs).toBeGreaterThan(100);
  });
});
