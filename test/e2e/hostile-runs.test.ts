// Runs that misbehave or cannot start (issue 10, items 1, 2 and 9): a job never stays `processing` with nothing
// running, nothing is stored after a job's `result`, and the CLI's stderr reaches `error` capped and without
// local paths. The scripted fake CLI plays the faults; the real CLI reads the long system prompt.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { API_KEY, FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { isAlive } from "../support/processes";
import { readSse } from "../support/sse-client";
import { startReceiver, type Receiver } from "../support/webhook-receiver";

const WEBHOOK_ENV = { CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", CLAUDEGATE_WEBHOOK_RETRY_SCHEDULE: "0.3" };
let gw: GatewayProcess;
let hooks: Receiver;
const scratch = mkdtempSync(join(tmpdir(), "cg-hostile-"));

beforeAll(async () => {
  hooks = await startReceiver("127.0.0.1");
  gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_CONCURRENCY: "2", ...WEBHOOK_ENV } });
});
afterAll(async () => {
  await gw?.stop();
  await hooks?.close();
});

interface StoredEvent {
  id: number;
  event: string;
  data: any;
}

/** Every stored event of a job, page by page, and the last page's `done`. */
async function allEvents(g: GatewayProcess, id: string): Promise<{ events: StoredEvent[]; done: boolean }> {
  const events: StoredEvent[] = [];
  for (let after = 0; ; ) {
    const { status, body } = await g.json("GET", `/api/v1/jobs/${id}/events?after=${after}&limit=1000`);
    expect(status).toBe(200);
    events.push(...body.events);
    if (!body.has_more) return { events, done: body.done };
    after = body.last_id;
  }
}

const hooksFor = (r: Receiver, id: string) => r.received.map((x) => JSON.parse(x.body)).filter((b) => b.job_id === id);

describe("submit refuses what the CLI cannot be given", () => {
  it("answers 400 for a NUL character in the prompt or the system prompt, and stores no job", async () => {
    const before = (await gw.json("GET", "/api/v1/stats")).body.queue;
    const p = await gw.json("POST", "/api/v1/jobs", { prompt: "hi\u0000there" });
    expect(p).toMatchObject({ status: 400, body: { error: "prompt must not contain NUL characters (\\u0000)" } });
    const sp = await gw.json("POST", "/api/v1/jobs", { prompt: "hi", system_prompt: "a\u0000b" });
    expect(sp).toMatchObject({ status: 400, body: { error: "system_prompt must not contain NUL characters (\\u0000)" } });
    expect((await gw.json("GET", "/api/v1/stats")).body.queue).toEqual(before);
  });

  it("answers 400 for a json_schema too large to be one CLI argument, and stores no job", async () => {
    // The schema reaches the CLI as one argv entry: past Linux's 128 KiB per argument, spawn would fail.
    const before = (await gw.json("GET", "/api/v1/stats")).body.queue;
    const schema = { type: "object", description: "x".repeat(100_000) };
    const r = await gw.json("POST", "/api/v1/jobs", { prompt: "hi", json_schema: schema });
    expect(r).toMatchObject({ status: 400, body: { error: "json_schema must be at most 100000 bytes as JSON" } });
    expect((await gw.json("GET", "/api/v1/stats")).body.queue).toEqual(before);
  });
});

describe("a run that cannot start", () => {
  it("fails its job at once as spawn_failed, with its result event, its webhook and a log line", async () => {
    // Node's tmpdir() follows TMPDIR: the worker cannot create the run's directory, so no CLI ever starts.
    // Before the fix the worker said `end` without an outcome and the job stayed `processing` for ever.
    const broken = await GatewayProcess.start({
      env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, TMPDIR: join(scratch, "does-not-exist"), ...WEBHOOK_ENV },
    });
    try {
      const r = await startReceiver("127.0.0.1");
      const job = await broken.submit({ prompt: "[[reply:never]]", callback_url: r.url });
      const done = await broken.waitJob(job.job_id, undefined, 10_000);
      expect(done).toMatchObject({
        status: "failed",
        error_code: "spawn_failed",
        error: "could not create the run's temporary directory (ENOENT)",
        attempts: 1,
      });
      const { events, done: finished } = await allEvents(broken, job.job_id);
      expect(events.map((e) => e.event)).toEqual(["status", "status", "result"]);
      expect(events.at(-1)!.data).toEqual({ job_id: job.job_id, status: "failed", result: "", error: done.error });
      expect(finished).toBe(true);
      await waitUntil(() => hooksFor(r, job.job_id).length === 1, 10_000, "the webhook");
      expect(hooksFor(r, job.job_id)[0]).toMatchObject({ type: "job.failed", status: "failed", error: done.error });
      await waitUntil(() => /"msg":"CLI could not be started".*"job_id":"[^"]+"/.test(broken.output), 5_000, "the log line");
      expect((await broken.json("GET", "/api/v1/stats")).body.running_clis).toBe(0);
      await r.close();
    } finally {
      await broken.stop();
    }
  });
});

describe("nothing after a job's result", () => {
  it("keeps the result last when a dense chunk stream is cancelled, and says the job is done", async () => {
    const pidFile = join(scratch, "endless.pid");
    const job = await gw.submit({ prompt: `[[endless]][[pid-file:${pidFile}]]` });
    // Cancel while chunks pour in: some are always on their way from the worker when the job ends.
    await waitUntil(async () => (await gw.json("GET", `/api/v1/jobs/${job.job_id}/events?limit=1000`)).body.events.length > 200, 20_000, "a dense stream");
    expect((await gw.json("POST", `/api/v1/jobs/${job.job_id}/cancel`)).status).toBe(200);
    const pid = await waitUntil(() => existsSync(pidFile) && Number(readFileSync(pidFile, "utf8")), 5_000, "pid");
    await waitUntil(() => !isAlive(pid), 10_000, "the CLI to be killed");
    // Its slot is freed only after the worker's last message: by then every late chunk has reached the server.
    await waitUntil(async () => (await gw.json("GET", "/api/v1/stats")).body.running_clis === 0, 10_000, "the run's end");

    const { events, done } = await allEvents(gw, job.job_id);
    expect(events.filter((e) => e.event === "result")).toHaveLength(1);
    const result = events.at(-1)!;
    expect(result).toMatchObject({ event: "result", data: { status: "cancelled", error: "job cancelled by user" } });
    expect(done).toBe(true);

    // A client that has the result has everything: SSE answers 204, the JSON log an empty, done page.
    const sse = await readSse(`${gw.url}/api/v1/jobs/${job.job_id}/sse`, {
      headers: { "X-API-Key": API_KEY, "Last-Event-ID": String(result.id) },
    });
    expect(sse).toEqual({ status: 204, events: [] });
    const after = await gw.json("GET", `/api/v1/jobs/${job.job_id}/events?after=${result.id}`);
    expect(after.body).toMatchObject({ events: [], last_id: result.id, has_more: false, done: true });
  });

  it("says done on the last page of a terminal job even when the page holds no result event", async () => {
    const job = await gw.submit({ prompt: "[[reply:a|b|c]]" });
    await gw.waitJob(job.job_id);
    const first = await gw.json("GET", `/api/v1/jobs/${job.job_id}/events?limit=2`);
    expect(first.body).toMatchObject({ has_more: true, done: false });
    const { events } = await allEvents(gw, job.job_id);
    const beyond = await gw.json("GET", `/api/v1/jobs/${job.job_id}/events?after=${events.at(-1)!.id + 5}`);
    expect(beyond.body).toMatchObject({ events: [], has_more: false, done: true });
  });
});

describe("the CLI's stderr in `error`", () => {
  it("keeps the CLI's own message and drops stack frames and local paths", async () => {
    const job = await gw.submit({ prompt: "[[stack-crash]]" });
    const done = await gw.waitJob(job.job_id);
    expect(done).toMatchObject({ status: "failed", error_code: "cli_error" });
    expect(done.error).toBe("claude exited: exit status 1 — TypeError: Cannot read properties of undefined (reading 'x') in <path>");
  });
});

describe("a long system prompt with the real CLI", () => {
  let fake: FakeAnthropic;
  let real: GatewayProcess;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
    real = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url } });
  });
  afterAll(async () => {
    await real?.stop();
    await fake?.close();
  });

  it("runs a 200,000-character system prompt (read from a file), and the API receives it whole", async () => {
    // Over Linux's 128 KiB single-argument limit: as an argument, spawn threw E2BIG and the job hung.
    const sp = "S".repeat(199_997) + "END";
    const job = await real.submit({ prompt: "[[reply:long system prompt ok]] sp-200k", system_prompt: sp });
    const done = await real.waitJob(job.job_id);
    expect(done).toMatchObject({ status: "completed", result: "long system prompt ok" });
    const main = fake.requests.find((r) => r.kind === "main" && r.prompt.includes("sp-200k"))!;
    expect(main.system).toContain("sandboxed API environment");
    expect(main.system.endsWith(`\n\n${sp}`)).toBe(true);
  });
});
