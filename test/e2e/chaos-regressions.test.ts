// Bugs the chaos suite (npm run test:chaos) found, each pinned by a small deterministic test.
import { afterAll, describe, expect, it } from "vitest";
import { API_KEY, FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { cliProcesses } from "../support/processes";
import { rawRequest } from "../support/chaos/raw-http";
import { readSse } from "../support/sse-client";
import { connect } from "node:net";
import { startReceiver, type Receiver } from "../support/webhook-receiver";

const receivers: Receiver[] = [];
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

describe("start-up recovery", () => {
  it("ends a job it fails `interrupted` like any other end: a `result` event closes its log, and its webhook is sent", async () => {
    const receiver = await startReceiver("127.0.0.1");
    receivers.push(receiver);
    const env = { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_MAX_ATTEMPTS: "1", CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" };
    const gw = await GatewayProcess.start({ env });
    const job = await gw.submit({ prompt: "[[hang]] interrupted for good", callback_url: receiver.url });
    await gw.waitJob(job.job_id, (j) => j.status === "processing");
    await gw.stop("SIGKILL");

    const again = await GatewayProcess.start({ dataDir: gw.dataDir, env });
    try {
      expect(await again.waitJob(job.job_id)).toMatchObject({ status: "failed", error_code: "interrupted" });
      const { events, done } = (await again.json("GET", `/api/v1/jobs/${job.job_id}/events`)).body;
      expect(done).toBe(true);
      expect(events.at(-1)).toMatchObject({
        event: "result",
        data: { job_id: job.job_id, status: "failed", result: "", error: "job interrupted 1 times by a server stop; giving up" },
      });
      expect(events.filter((e: any) => e.event === "result")).toHaveLength(1);
      // A client resuming after the result is told the stream is over.
      const resumed = await again.request("GET", `/api/v1/jobs/${job.job_id}/sse`, undefined, { "Last-Event-ID": String(events.at(-1).id) });
      expect(resumed.status).toBe(204);
      await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
      expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: "job.failed", job_id: job.job_id, status: "failed" });
    } finally {
      await again.stop();
    }
  });

  it("reaps what a run left behind even when its job had already ended (killed between the result and the clean-up)", async () => {
    const env = { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI };
    const gw = await GatewayProcess.start({ env });
    // The CLI starts a grandchild in its group, prints its result, and lingers: the job is completed at once,
    // and the group is killed 2 s later. The server dies in between.
    const job = await gw.submit({ prompt: "[[grandchild]][[reply:done]][[linger]] killed before the clean-up" });
    await gw.waitJob(job.job_id, (j) => j.status === "completed", 20_000);
    expect(cliProcesses([job.job_id]).length).toBeGreaterThanOrEqual(1);
    await gw.stop("SIGKILL");
    // The CLI dies with the server (pdeathsig); its grandchild does not.
    await waitUntil(() => cliProcesses([job.job_id]).length === 1, 10_000, "only the grandchild to be left");

    const again = await GatewayProcess.start({ dataDir: gw.dataDir, env });
    try {
      await waitUntil(() => cliProcesses([job.job_id]).length === 0, 10_000, "the restart to reap the grandchild");
      expect((await again.json("GET", `/api/v1/jobs/${job.job_id}`)).body).toMatchObject({ status: "completed", result: "done", attempts: 1 });
    } finally {
      await again.stop();
      for (const p of cliProcesses([job.job_id])) process.kill(p.pid, "SIGKILL");
    }
  });
});

describe("hostile input", () => {
  it("a body cut off mid-way (broken chunked framing, a client gone mid-body) is not an internal error", async () => {
    const gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
    try {
      const port = Number(new URL(gw.url).port);
      let n = 0;
      const head = (path: string, framing: string) =>
        `POST ${path} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${API_KEY}\r\nIdempotency-Key: cut-off-${++n}\r\n${framing}\r\n`;
      for (const path of ["/api/v1/jobs", "/api/v1/queue/pause"]) {
        // Node answers the broken framing itself (400) and closes; the handler reading the body sees it end.
        const bad = await rawRequest(port, Buffer.from(head(path, "Transfer-Encoding: chunked\r\n") + "zz\r\nabc\r\n0\r\n\r\n"));
        expect(bad.status).toBe(400);
        // Half a body, then the client goes away.
        const gone = await rawRequest(port, Buffer.from(head(path, "Content-Length: 50\r\n") + '{"prompt":'), { timeoutMs: 300 });
        expect(gone.failure).toBe("timeout");
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(gw.output).not.toContain("unhandled error");
      // The keys of the requests that never completed are free again.
      for (let i = 1; i <= n; i++) {
        expect((await gw.json("POST", "/api/v1/jobs", { prompt: `[[reply:ok]] after ${i}` }, { "Idempotency-Key": `cut-off-${i}` })).status).toBe(202);
      }
    } finally {
      await gw.stop();
    }
  });
});

describe("streams larger than the slow-reader limit (256 KiB)", () => {
  it("replays a long history whole to a late subscriber, and a big prompt's snapshot to an early one", async () => {
    const gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
    const headers = { "X-API-Key": API_KEY };
    try {
      // One 1 MB chunk, and 600 KB in 64 KiB chunks: both ended before anyone subscribed.
      for (const [prompt, length] of [["[[bigline:1000000]] one big chunk", 1_000_000], ["[[flood:600000]] many chunks", 600_000]] as const) {
        const job = await gw.submit({ prompt });
        expect((await gw.waitJob(job.job_id)).status).toBe("completed");
        const { status, events } = await readSse(`${gw.url}/api/v1/jobs/${job.job_id}/sse`, { headers });
        expect(status).toBe(200);
        expect(events.at(-1)!.event).toBe("result");
        const text = events.filter((e) => e.event === "chunk").map((e) => JSON.parse(e.data).text).join("");
        expect(text.length).toBe(length);
      }
      // A queued job with a 600 KB prompt: the opening snapshot carries the whole job.
      await gw.json("POST", "/api/v1/queue/pause");
      const queued = await gw.submit({ prompt: "p".repeat(600_000) });
      const { status, events } = await readSse(`${gw.url}/api/v1/jobs/${queued.job_id}/sse`, { headers, until: (ev) => ev.length >= 2 });
      expect(status).toBe(200);
      expect(JSON.parse(events[0]!.data).prompt.length).toBe(600_000);
      expect(events[1]).toMatchObject({ id: "1", event: "status" });
      await gw.json("POST", `/api/v1/jobs/${queued.job_id}/cancel`);
    } finally {
      await gw.stop();
    }
  });

  it("still cuts off a reader that stops reading while the job streams on", async () => {
    const gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
    try {
      await gw.json("POST", "/api/v1/queue/pause");
      const job = await gw.submit({ prompt: "[[flood:9000000]] to a reader that does not read" });
      // Subscribe while it is queued, then stop reading: the kernel's buffers hold a few MB, the rest is ours.
      const sock = connect(Number(new URL(gw.url).port), "127.0.0.1");
      await new Promise((r) => sock.once("connect", r));
      sock.write(`GET /api/v1/jobs/${job.job_id}/sse HTTP/1.1\r\nHost: x\r\nX-API-Key: ${API_KEY}\r\n\r\n`);
      await waitUntil(async () => (await gw.json("GET", "/api/v1/stats")).body.stream_subscribers === 1, 10_000, "the subscription");
      sock.pause();
      await gw.json("POST", "/api/v1/queue/resume");
      expect((await gw.waitJob(job.job_id, undefined, 30_000)).status).toBe("completed");
      // Cut off: no longer subscribed, and what it gets when it reads again has no `result`.
      expect((await gw.json("GET", "/api/v1/stats")).body.stream_subscribers).toBe(0);
      let got = "";
      sock.on("data", (d) => (got += d.toString("latin1")));
      sock.resume();
      await new Promise((r) => sock.once("close", r));
      expect(got).toMatch(/^HTTP\/1\.1 200/);
      expect(got).not.toContain("event: result");
    } finally {
      await gw.stop();
    }
  });
});

describe("stream ids across a crash", () => {
  it("never gives a live subscriber an event id that a crash can lose and the next server reuse", async () => {
    const env = { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI };
    const gw = await GatewayProcess.start({ env });
    // 200 small chunks, 5 ms apart: whenever the server dies, some were sent in the last 50 ms.
    const deltas = Array.from({ length: 200 }, (_, i) => `t${i} `);
    const job = await gw.submit({ prompt: `[[reply:${deltas.join("|")}]][[delay:5]] ids across a crash` });
    const seen = new Map<string, string>();
    const stream = readSse(`${gw.url}/api/v1/jobs/${job.job_id}/sse`, {
      headers: { "X-API-Key": API_KEY },
      onEvent: (e) => e.id !== undefined && seen.set(e.id, e.data),
    }).catch(() => undefined); // cut by the kill
    await waitUntil(() => [...seen.values()].filter((d) => d.includes('"text"')).length >= 40, 20_000, "the stream to be well under way");
    await gw.stop("SIGKILL");
    await stream;

    const again = await GatewayProcess.start({ dataDir: gw.dataDir, env });
    try {
      expect((await again.waitJob(job.job_id, undefined, 30_000)).status).toBe("completed");
      const stored = new Map<string, string>();
      for (const e of (await again.json("GET", `/api/v1/jobs/${job.job_id}/events?limit=1000`)).body.events) stored.set(String(e.id), JSON.stringify(e.data));
      // Every id the subscriber got still names the event it got: resuming from any of them misses nothing.
      const reused = [...seen].filter(([id, data]) => stored.get(id) !== data);
      expect(reused).toEqual([]);
      // And resuming from the last one it got ends with the result, the new run's text all there.
      const last = Math.max(...[...seen.keys()].map(Number));
      const { events } = await readSse(`${again.url}/api/v1/jobs/${job.job_id}/sse`, { headers: { "X-API-Key": API_KEY, "Last-Event-ID": String(last) } });
      expect(events.at(-1)!.event).toBe("result");
    } finally {
      await again.stop();
    }
  });
});
