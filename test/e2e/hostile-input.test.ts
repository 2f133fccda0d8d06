// Input a client controls that must not widen what the operator allowed: a callback that reaches loopback
// through an IPv6 spelling of an IPv4 address, a refusal that would tell what an internal name resolves to, and
// a job timeout longer than the operator's, a system prompt no command line can carry, and a run that fails
// before its CLI starts. No CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS here: every loopback address is off limits, and the
// receivers on 127.0.0.1 stand for internal services.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { startReceiver, type Receiver } from "../support/webhook-receiver";

let gw: GatewayProcess;
let internal: Receiver;
beforeAll(async () => {
  internal = await startReceiver("127.0.0.1");
  gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_JOB_TIMEOUT_MINUTES: "1" } });
});
afterAll(async () => {
  await gw?.stop();
  await internal?.close();
});

/** The job's one delivery once its first attempt is recorded (a refusal ends it; a dialled error would retry). */
async function firstAttempt(jobId: string): Promise<any> {
  return waitUntil(async () => {
    const [d] = (await gw.json("GET", `/api/v1/jobs/${jobId}/deliveries`)).body.deliveries;
    return d && d.attempt_count >= 1 && d;
  }, 20_000, `the first delivery attempt of ${jobId}`);
}

describe("callback addresses", () => {
  it("refuses an IPv4-compatible IPv6 address of loopback (::127.0.0.1) and reaches nothing", async () => {
    const port = new URL(internal.url).port;
    const compatible = await gw.submit({ prompt: "[[reply:a]]", callback_url: `http://[::127.0.0.1]:${port}/hook` });
    const mapped = await gw.submit({ prompt: "[[reply:b]]", callback_url: `http://[::ffff:127.0.0.1]:${port}/hook` });
    const [d1, d2] = [await firstAttempt(compatible.job_id), await firstAttempt(mapped.job_id)];
    // The URL parser writes ::127.0.0.1 as ::7f00:1; the client wrote a literal address, so it may be named.
    expect(d1).toMatchObject({ status: "failed", attempt_count: 1, last_error: expect.stringContaining("callback host ::7f00:1 is not allowed (loopback)") });
    expect(d2).toMatchObject({ status: "failed", attempt_count: 1, last_error: expect.stringContaining("is not allowed (loopback)") });
    expect(internal.received).toEqual([]);
  });

  it("does not tell what a refused host name resolves to", async () => {
    const port = new URL(internal.url).port;
    const job = await gw.submit({ prompt: "[[reply:c]]", callback_url: `http://localhost:${port}/hook` });
    const d = await firstAttempt(job.job_id);
    expect(d).toMatchObject({
      status: "failed",
      last_error: "callback host localhost is not allowed (resolves to a non-public address); list it in CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS to allow it",
    });
    expect(JSON.stringify(d)).not.toContain("127.0.0.1");
    expect(internal.received).toEqual([]);
  });
});

describe("timeout_seconds under CLAUDEGATE_JOB_TIMEOUT_MINUTES=1", () => {
  it("refuses a job timeout longer than the operator's, naming the maximum", async () => {
    for (const timeout_seconds of [61, 3600, 604800]) {
      const r = await gw.json("POST", "/api/v1/jobs", { prompt: "[[reply:x]]", timeout_seconds });
      expect(r).toMatchObject({ status: 400, body: { error: "timeout_seconds must be <= 60 (CLAUDEGATE_JOB_TIMEOUT_MINUTES)" } });
    }
  });

  it("accepts an equal one, and a shorter one really is the limit of the run", async () => {
    const equal = await gw.submit({ prompt: "[[reply:in time]]", timeout_seconds: 60 });
    expect(equal.timeout_seconds).toBe(60);
    expect(await gw.waitJob(equal.job_id)).toMatchObject({ status: "completed", result: "in time" });

    const t0 = Date.now();
    const short = await gw.submit({ prompt: "[[hang]] short", timeout_seconds: 2 });
    const done = await gw.waitJob(short.job_id, undefined, 30_000);
    const elapsed = Date.now() - t0;
    expect(done).toMatchObject({ status: "failed", error_code: "timeout", error: "job timed out after 2s" });
    // 2 s of run, plus a SIGTERM and the linger; far below the operator's 60 s.
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(20_000);
  });
});

describe("runs that cannot start", () => {
  it("refuses a system_prompt with a NUL character, which the CLI cannot be given intact", async () => {
    const r = await gw.json("POST", "/api/v1/jobs", { prompt: "fuzz", system_prompt: "a\u0000b" });
    expect(r).toMatchObject({ status: 400, body: { error: "system_prompt must not contain NUL characters (\\u0000)" } });
  });

  it("fails a job whose run throws before the CLI starts, instead of leaving it processing", async () => {
    // No temporary directory for the job's working directory: the worker throws before spawning.
    const broken = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, TMPDIR: "/nonexistent/claudegate-test" } });
    try {
      const job = await broken.submit({ prompt: "[[reply:never]]" });
      const done = await broken.waitJob(job.job_id, undefined, 15_000);
      expect(done).toMatchObject({ status: "failed", error_code: "spawn_failed", error: "could not create the run's temporary directory (ENOENT)" });
      // The slot is free again: the next job is claimed and fails the same way, not queued behind a ghost.
      const next = await broken.submit({ prompt: "[[reply:never either]]" });
      expect(await broken.waitJob(next.job_id, undefined, 15_000)).toMatchObject({ status: "failed", error_code: "spawn_failed" });
    } finally {
      await broken.stop();
    }
  });
});
