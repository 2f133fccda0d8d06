// Promises for people who leave the gateway unattended: stalled CLIs are killed, retries are visible while
// they happen, a retried submit never makes a second job, and a shutdown lets short jobs finish.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { API_KEY, FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { readSse } from "../support/sse-client";

let fake: FakeAnthropic;
let gw: GatewayProcess;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  gw = await GatewayProcess.start({
    env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_CONCURRENCY: "2", CLAUDEGATE_STALL_TIMEOUT_SECONDS: "1", CLAUDEGATE_API_KEYS: `${API_KEY},second-key` },
  });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
});

describe("stall watchdog", () => {
  it("kills a CLI that prints nothing for CLAUDEGATE_STALL_TIMEOUT_SECONDS and fails the job `stalled`", async () => {
    const job = await gw.submit({ prompt: "[[hang]] stall" });
    const done = await gw.waitJob(job.job_id, undefined, 15_000);
    expect(done).toMatchObject({ status: "failed", error_code: "stalled", error: "no output from the CLI for 1s; killed as stalled" });
  });

  it("lets a CLI that keeps writing run longer than the stall timeout", async () => {
    const job = await gw.submit({ prompt: "[[reply:a|b|c|d]][[delay:600]] slow but alive" });
    expect(await gw.waitJob(job.job_id, undefined, 15_000)).toMatchObject({ status: "completed", result: "abcd" });
  });
});

describe("retries surfaced", () => {
  it("shows the CLI's API retries on the job while they happen, and clears them when it ends", async () => {
    const g = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDE_CODE_MAX_RETRIES: "3" } });
    try {
      const job = await g.submit({ prompt: "[[status:529]] retry-visible" });
      const seen = await g.waitJob(job.job_id, (j) => j.retrying !== undefined || j.status === "failed", 60_000);
      expect(seen.status).toBe("processing");
      expect(seen.retrying).toMatchObject({ attempt: expect.any(Number), max_retries: 3, error_status: 529 });
      const done = await g.waitJob(job.job_id, undefined, 60_000);
      expect(done.status).toBe("failed");
      expect(done.retrying).toBeUndefined();
    } finally {
      await g.stop();
    }
  });
});

describe("Idempotency-Key", () => {
  const submit = (body: object, key: string, apiKey = API_KEY) =>
    gw.json("POST", "/api/v1/jobs", body, { "Idempotency-Key": key, "X-API-Key": apiKey });
  const total = async () => (await gw.json("GET", "/api/v1/jobs?limit=1")).body.total;

  it("returns the original job for the same key and body, without a second job", async () => {
    const before = await total();
    const first = await submit({ prompt: "[[reply:once]] idem-1" }, "order-1001");
    const again = await submit({ prompt: "[[reply:once]] idem-1" }, "order-1001");
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("location")).toBe(`/api/v1/jobs/${first.body.job_id}`);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await total()).toBe(before + 1);
  });

  it("refuses the same key with a different body (422), and scopes keys to the API key", async () => {
    await submit({ prompt: "[[reply:x]] idem-2" }, "order-2002");
    const other = await submit({ prompt: "something else" }, "order-2002");
    expect(other).toMatchObject({ status: 422, body: { error: "Idempotency-Key was already used with a different request body" } });
    const otherClient = await submit({ prompt: "something else" }, "order-2002", "second-key");
    expect(otherClient.status).toBe(202);
    expect((await submit({ prompt: "x" }, "bad key with spaces")).status).toBe(400);
  });

  it("answers 409 while the first request with the key is still being handled", async () => {
    // The first request sends its headers and half its body, then waits.
    const body = JSON.stringify({ prompt: "[[reply:slow body]] idem-3" });
    const halfSent = async () => {
      const sock = connect(Number(new URL(gw.url).port), "127.0.0.1");
      await new Promise((r) => sock.once("connect", r));
      sock.write(
        `POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nX-API-Key: ${API_KEY}\r\nIdempotency-Key: order-3003\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
      );
      const first = { sock, raw: "" };
      sock.on("data", (d) => (first.raw += d));
      return first;
    };
    // The gateway may read the probes' connection before it accepts this one. A probe must not make a job (which
    // would answer the key for good): an invalid body gets a 400 and stores nothing. A probe holds the key while
    // it is handled, though: if the first request arrives just then, it is the one answered 409; send it again.
    let first: Awaited<ReturnType<typeof halfSent>> | undefined;
    let probe: unknown;
    await waitUntil(async () => {
      first ??= await halfSent();
      const r = await submit({ prompt: 7 }, "order-3003");
      probe = [r.status, r.body, first.raw];
      if (r.status === 409) return true;
      if (first.raw !== "") {
        first.sock.destroy();
        first = undefined;
      }
      return false;
    }, 10_000, "the first request to be taken").catch((err) => {
      throw new Error(`${err.message}; last probe: ${JSON.stringify(probe)}`);
    });
    const busy = await submit({ prompt: "[[reply:slow body]] idem-3" }, "order-3003");
    expect(busy.status).toBe(409);
    expect(busy.body).toEqual({ error: "a request with this Idempotency-Key is still being handled" });
    first!.sock.write(body.slice(10)); // no half-close: the answer comes after the commit, a turn later
    await waitUntil(() => first!.raw.includes("\r\n\r\n{"), 5_000, "the first response");
    expect(first!.raw).toMatch(/^HTTP\/1.1 202/);
    const jobId = /"job_id":"([^"]+)"/.exec(first!.raw)![1];
    const replay = await submit({ prompt: "[[reply:slow body]] idem-3" }, "order-3003");
    expect(replay.body.job_id).toBe(jobId);
    first!.sock.destroy();
  });
});

describe("graceful shutdown", () => {
  it("lets a job that ends within CLAUDEGATE_SHUTDOWN_GRACE_SECONDS finish before exiting", async () => {
    const g = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_SHUTDOWN_GRACE_SECONDS: "10" } });
    const job = await g.submit({ prompt: "[[reply:a|b|c|d]][[delay:500]] finishes in the grace" });
    const stream = readSse(`${g.url}/api/v1/jobs/${job.job_id}/sse`, { headers: { "X-API-Key": API_KEY } });
    await g.waitJob(job.job_id, (j) => j.status === "processing");
    expect((await g.stop("SIGTERM")).code).toBe(0);
    const events = (await stream).events;
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ status: "completed", result: "abcd" });
    const again = await GatewayProcess.start({ dataDir: g.dataDir, env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
    try {
      expect((await again.json("GET", `/api/v1/jobs/${job.job_id}`)).body).toMatchObject({ status: "completed", attempts: 1 });
    } finally {
      await again.stop();
    }
  });
});
