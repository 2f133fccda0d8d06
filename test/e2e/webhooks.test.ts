// Webhooks end to end: signed deliveries from a durable outbox to loopback receivers. Only 127.0.0.1 is in
// the allow-list; receivers on 127.0.0.2 stand for internal addresses and must never be reached.
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { startReceiver, type Receiver } from "../support/webhook-receiver";

const ENV = {
  CLAUDEGATE_CLAUDE_PATH: FAKE_CLI,
  CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
  CLAUDEGATE_WEBHOOK_RETRY_SCHEDULE: "0.3",
  CLAUDEGATE_WEBHOOK_TIMEOUT_SECONDS: "1",
};
let gw: GatewayProcess;
const receivers: Receiver[] = [];
const receiver = async (host: string, answers?: Parameters<typeof startReceiver>[1]) => {
  const r = await startReceiver(host, answers);
  receivers.push(r);
  return r;
};

beforeAll(async () => {
  gw = await GatewayProcess.start({ env: ENV });
});
afterAll(async () => {
  await gw?.stop();
  await Promise.all(receivers.map((r) => r.close()));
});

const deliveries = async (g: GatewayProcess, jobId: string) => (await g.json("GET", `/api/v1/jobs/${jobId}/deliveries`)).body.deliveries;
async function settled(g: GatewayProcess, jobId: string, n = 1): Promise<any[]> {
  let last: any[] = [];
  try {
    return await waitUntil(async () => {
      last = await deliveries(g, jobId);
      return last.length >= n && last.every((d: any) => d.status !== "pending") && last;
    }, 20_000, "deliveries to settle");
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`);
  }
}

describe("webhooks", () => {
  it("signs every delivery per Standard Webhooks, with the original's keys plus type, timestamp and the job", async () => {
    const r = await receiver("127.0.0.1");
    const job = await gw.submit({ prompt: "[[reply:signed]]", callback_url: r.url, metadata: { order: 7 } });
    await gw.waitJob(job.job_id);
    await waitUntil(() => r.received.length === 1, 10_000, "the callback");
    const { secret } = (await gw.json("GET", "/api/v1/webhooks/secret")).body;
    expect(secret).toMatch(/^whsec_/);
    const got = r.received[0]!;
    const verified = new Webhook(secret).verify(got.body, got.headers as Record<string, string>) as any;
    expect(verified).toMatchObject({ type: "job.completed", job_id: job.job_id, status: "completed", result: "signed", error: "" });
    expect(verified.data).toMatchObject({ job_id: job.job_id, metadata: { order: 7 }, status: "completed" });
    expect(Date.parse(verified.timestamp)).toBeGreaterThan(0);
    expect(got.headers["webhook-id"]).toMatch(/^msg_/);
    // A tampered body does not verify.
    expect(() => new Webhook(secret).verify(got.body.replace("signed", "forged"), got.headers as Record<string, string>)).toThrow();
  });

  it("retries 500, 500, 200: three attempts with one webhook-id", async () => {
    const r = await receiver("127.0.0.1", [{ status: 500 }, { status: 500 }, { status: 200 }]);
    const job = await gw.submit({ prompt: "[[reply:retry me]]", callback_url: r.url });
    const [d] = await settled(gw, job.job_id);
    expect(d).toMatchObject({ status: "delivered", attempt_count: 3, type: "job.completed" });
    expect(d.attempts.map((a: any) => a.status_code)).toEqual([500, 500, 200]);
    expect(new Set(r.received.map((x) => x.headers["webhook-id"]))).toEqual(new Set([d.id]));
    expect(r.received).toHaveLength(3);
  });

  it("stops at 410 Gone", async () => {
    const r = await receiver("127.0.0.1", [{ status: 410 }]);
    const job = await gw.submit({ prompt: "[[reply:gone]]", callback_url: r.url });
    const [d] = await settled(gw, job.job_id);
    expect(d).toMatchObject({ status: "failed", attempt_count: 1, last_error: "receiver answered 410 Gone" });
    expect(r.received).toHaveLength(1);
  });

  it("times out a slow receiver and tries again", async () => {
    const r = await receiver("127.0.0.1", [{ status: 200, delayMs: 3000 }, { status: 200 }]);
    const job = await gw.submit({ prompt: "[[reply:slow]]", callback_url: r.url });
    const [d] = await settled(gw, job.job_id);
    expect(d.status).toBe("delivered");
    expect(d.attempts[0]).toMatchObject({ status_code: null, error: "no answer within 1 s" });
    expect(d.attempts[1]).toMatchObject({ status_code: 200 });
  });

  it("sends job.cancelled for a job cancelled while queued; a job deleted while queued takes its webhook with it", async () => {
    const r = await receiver("127.0.0.1");
    await gw.json("POST", "/api/v1/queue/pause");
    try {
      const a = await gw.submit({ prompt: "never runs", callback_url: r.url });
      const b = await gw.submit({ prompt: "deleted", callback_url: r.url });
      // DELETE removes everything of the job, the job.cancelled delivery its own cancel queued included.
      expect((await gw.request("DELETE", `/api/v1/jobs/${b.job_id}`)).status).toBe(204);
      expect((await gw.json("GET", `/api/v1/jobs/${b.job_id}/deliveries`)).status).toBe(404);
      expect((await gw.json("POST", `/api/v1/jobs/${a.job_id}/cancel`)).status).toBe(200);
      await waitUntil(() => r.received.length === 1, 10_000, "the callback");
      // The receiver has the call before the gateway has recorded its answer: wait for the record.
      expect((await settled(gw, a.job_id))[0]).toMatchObject({ status: "delivered" });
      const bodies = r.received.map((x) => JSON.parse(x.body));
      expect(bodies.map((x) => [x.job_id, x.type, x.status, x.error])).toEqual([[a.job_id, "job.cancelled", "cancelled", "job cancelled by user"]]);
    } finally {
      await gw.json("POST", "/api/v1/queue/resume");
    }
  });

  it("sends job.started only when the job asks for it", async () => {
    const r = await receiver("127.0.0.1");
    const both = await gw.submit({ prompt: "[[reply:x]] both", callback_url: r.url, webhook_events_filter: ["started", "completed"] });
    await settled(gw, both.job_id, 2);
    const plain = await gw.submit({ prompt: "[[reply:y]] plain", callback_url: r.url });
    await settled(gw, plain.job_id, 1);
    const types = (id: string) => r.received.map((x) => JSON.parse(x.body)).filter((x) => x.job_id === id).map((x) => x.type);
    expect(types(both.job_id)).toEqual(["job.started", "job.completed"]);
    expect(types(plain.job_id)).toEqual(["job.completed"]);
    expect(both.webhook_events_filter).toEqual(["started", "completed"]);
    const bad = await gw.json("POST", "/api/v1/jobs", { prompt: "x", callback_url: r.url, webhook_events_filter: ["finished"] });
    expect(bad).toMatchObject({ status: 400, body: { error: 'webhook_events_filter must be a subset of ["started","completed"]' } });
  });

  it("never reaches an address outside the allow-list, directly or through a redirect", async () => {
    const internal = await receiver("127.0.0.2");
    const redirector = await receiver("127.0.0.1", [{ status: 302, headers: { Location: internal.url } }]);
    const direct = await gw.submit({ prompt: "[[reply:a]]", callback_url: internal.url });
    const viaRedirect = await gw.submit({ prompt: "[[reply:b]]", callback_url: redirector.url });
    const [d1] = await settled(gw, direct.job_id);
    expect(d1).toMatchObject({ status: "failed", attempt_count: 1 });
    expect(d1.last_error).toContain("callback host 127.0.0.2 is not allowed (loopback)");
    const [d2] = await settled(gw, viaRedirect.job_id);
    expect(d2.status).toBe("failed"); // every attempt answered 302, never followed
    expect(d2.attempts.every((a: any) => a.status_code === 302 && a.error === "redirect not followed")).toBe(true);
    expect(redirector.received.length).toBe(d2.attempt_count);
    expect(internal.received).toEqual([]);
    // The jobs themselves are unaffected.
    expect((await gw.waitJob(direct.job_id)).status).toBe("completed");
  });

  it("sends a finished delivery again on request, with the same webhook-id", async () => {
    const r = await receiver("127.0.0.1");
    const job = await gw.submit({ prompt: "[[reply:again]]", callback_url: r.url });
    const [d] = await settled(gw, job.job_id);
    const retry = await gw.json("POST", `/api/v1/jobs/${job.job_id}/deliveries/${d.id}/retry`);
    expect(retry.status).toBe(202);
    await waitUntil(() => r.received.length === 2, 10_000, "the resend");
    expect(r.received[1]!.headers["webhook-id"]).toBe(d.id);
    expect((await gw.json("POST", `/api/v1/jobs/${job.job_id}/deliveries/msg_nope/retry`)).status).toBe(404);
  });
});

describe("the outbox across a crash", () => {
  it("delivers exactly once more after a SIGKILL while a retry was waiting", async () => {
    const r = await receiver("127.0.0.1", [{ status: 500 }, { status: 200 }]);
    const env = { ...ENV, CLAUDEGATE_WEBHOOK_RETRY_SCHEDULE: "3" };
    const g = await GatewayProcess.start({ env });
    const job = await g.submit({ prompt: "[[reply:durable]]", callback_url: r.url });
    await waitUntil(() => r.received.length === 1, 10_000, "the first attempt");
    await waitUntil(async () => (await deliveries(g, job.job_id))[0]?.attempt_count === 1, 5_000, "the attempt to be recorded");
    await g.stop("SIGKILL");
    const again = await GatewayProcess.start({ dataDir: g.dataDir, env });
    try {
      const [d] = await settled(again, job.job_id);
      expect(d).toMatchObject({ status: "delivered", attempt_count: 2 });
      expect(r.received).toHaveLength(2);
      expect(r.received[1]!.headers["webhook-id"]).toBe(r.received[0]!.headers["webhook-id"]);
    } finally {
      await again.stop();
    }
  });
});
