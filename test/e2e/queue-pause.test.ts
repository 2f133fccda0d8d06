// Pausing the queue: by hand, and on its own when the account hits its usage limit.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";

let gw: GatewayProcess;
const scratch = mkdtempSync(join(tmpdir(), "cg-pause-"));

beforeAll(async () => {
  gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_LIMIT_BACKOFF_SECONDS: "2" } });
});
afterAll(async () => {
  await gw?.stop();
});

const stats = async () => (await gw.json("GET", "/api/v1/stats")).body;
/** Waits for the job's event saying it went back to the queue on a usage limit (a fresh job is queued too). */
const requeuedOnLimit = (id: string) =>
  waitUntil(async () => {
    const { events } = (await gw.json("GET", `/api/v1/jobs/${id}/events`)).body;
    return events.some((e: any) => e.event === "status" && e.data.status === "queued" && /usage limit/.test(e.data.reason ?? ""));
  }, 10_000, "the job to be requeued on the usage limit");

describe("queue pause", () => {
  it("accepts jobs while paused by an operator, starts none, and runs them in order on resume", async () => {
    const paused = await gw.json("POST", "/api/v1/queue/pause", { reason: "maintenance" });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, paused_until: null, reason: "maintenance", source: "operator" });
    const jobs = [await gw.submit({ prompt: "[[reply:a]] p1" }), await gw.submit({ prompt: "[[reply:b]] p2" })];
    expect((await stats()).pause).toMatchObject({ paused: true, reason: "maintenance" });
    expect((await gw.json("GET", "/api/v1/health")).body).toMatchObject({ status: "ok", paused_until: "until resumed", paused_reason: "maintenance" });
    // A paused queue survives a restart of the server.
    await gw.stop();
    gw = await GatewayProcess.start({ dataDir: gw.dataDir, env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_LIMIT_BACKOFF_SECONDS: "2" } });
    expect((await stats()).queue.queued).toBe(2);
    expect((await gw.json("GET", `/api/v1/jobs/${jobs[0]!.job_id}`)).body.status).toBe("queued");

    expect((await gw.json("POST", "/api/v1/queue/resume")).body).toEqual({ paused: false });
    const done = await Promise.all(jobs.map((j) => gw.waitJob(j.job_id)));
    expect(done.map((j) => j.result)).toEqual(["a", "b"]);
    expect(Date.parse(done[0].started_at)).toBeLessThanOrEqual(Date.parse(done[1].started_at));
  });

  it("pauses for a while when asked, then resumes by itself", async () => {
    const r = await gw.json("POST", "/api/v1/queue/pause", { seconds: 1 });
    expect(Date.parse(r.body.paused_until)).toBeGreaterThan(Date.now());
    const job = await gw.submit({ prompt: "[[reply:later]] timed" });
    expect((await gw.waitJob(job.job_id, undefined, 10_000)).result).toBe("later");
    expect(Date.parse((await gw.json("GET", `/api/v1/jobs/${job.job_id}`)).body.started_at)).toBeGreaterThanOrEqual(Date.parse(r.body.paused_until));
  });

  it("rejects a bad pause body", async () => {
    for (const [body, msg] of [[{ seconds: 0 }, "seconds must be a positive integer"], [{ reason: 5 }, "reason must be a string"], ["[1]", "invalid JSON body"]] as const) {
      const r = await gw.json("POST", "/api/v1/queue/pause", body);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ error: msg });
    }
    expect((await stats()).pause).toEqual({ paused: false });
  });

  it("on a usage limit, requeues the job without spending its attempt and pauses for the backoff", async () => {
    const marker = join(scratch, "limit-hit");
    const job = await gw.submit({ prompt: `[[usage-limit-once:${marker}]][[reply:after the reset]] limited` });
    const behind = await gw.submit({ prompt: "[[reply:behind]] queued behind" });
    await requeuedOnLimit(job.job_id);
    const requeued = (await gw.json("GET", `/api/v1/jobs/${job.job_id}`)).body;
    expect(requeued).toMatchObject({ status: "queued", attempts: 0 });
    expect(requeued.error).toBeUndefined();
    const s = await stats();
    expect(s.pause).toMatchObject({ paused: true, source: "usage_limit", reason: "Claude AI usage limit reached" });
    expect((await gw.json("GET", `/api/v1/jobs/${behind.job_id}`)).body.status).toBe("queued");
    // Without a reset time from the CLI, the backoff (2 s here) applies; then both run.
    const done = await gw.waitJob(job.job_id, undefined, 15_000);
    expect(done).toMatchObject({ status: "completed", result: "after the reset", attempts: 1 });
    expect((await gw.waitJob(behind.job_id)).result).toBe("behind");
  });

  it("uses the reset time the CLI reports", async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    const job = await gw.submit({ prompt: `[[usage-limit:${reset}]] limited-long` });
    await requeuedOnLimit(job.job_id);
    const pause = (await stats()).pause;
    expect(pause).toMatchObject({ paused: true, source: "usage_limit", paused_until: new Date(reset * 1000).toISOString() });
    expect((await gw.json("POST", "/api/v1/jobs/" + job.job_id + "/cancel")).status).toBe(200);
    expect((await gw.json("POST", "/api/v1/queue/resume")).body).toEqual({ paused: false });
  });
});
