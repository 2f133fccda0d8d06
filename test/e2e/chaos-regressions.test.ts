// Bugs the chaos suite (npm run test:chaos) found, each pinned by a small deterministic test.
import { afterAll, describe, expect, it } from "vitest";
import { API_KEY, FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { cliProcesses } from "../support/processes";
import { rawRequest } from "../support/chaos/raw-http";
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
