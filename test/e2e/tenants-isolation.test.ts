// Keys as tenants, steps 2 and 3: two tenants and an operator on one gateway. Every job route crossed: a tenant
// sees, streams, cancels, deletes and lists only its own jobs (another's is a 404 like an unknown one); the
// operator sees everything; Idempotency-Keys are per key; each tenant's webhooks are signed with its own secret.
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_CLI, waitUntil } from "../support/gateway-process";
import { raw, useGateways } from "../support/contract";
import { startReceiver, type Receiver } from "../support/webhook-receiver";
import { createTenant, submitAs, type Tenant } from "../support/tenants";

const gws = useGateways({
  main: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", CLAUDEGATE_WEBHOOK_RETRY_SCHEDULE: "0.3" },
});
let a: Tenant;
let b: Tenant;
let receiver: Receiver;
beforeAll(async () => {
  a = await createTenant(gws.main, "tenant-a");
  b = await createTenant(gws.main, "tenant-b");
  receiver = await startReceiver("127.0.0.1");
});
afterAll(async () => receiver?.close());

const NOT_FOUND = { error: "job not found" };

describe("isolation between tenants", () => {
  it("lists, reads, streams and pages events of own jobs only; the operator sees all", async () => {
    const gw = gws.main;
    const ja = await submitAs(gw, a, { prompt: "[[reply:for a]] iso-1", callback_url: receiver.url });
    const jb = await submitAs(gw, b, { prompt: "[[reply:for b]] iso-2", callback_url: receiver.url });
    const jo = await gw.submit({ prompt: "[[reply:for op]] iso-3" });
    for (const j of [ja, jb, jo]) await gw.waitJob(j.job_id);

    const listA = (await gw.json("GET", "/api/v1/jobs?limit=100", undefined, a.h)).body;
    expect(listA.jobs.map((j: any) => j.job_id)).toEqual([ja.job_id]);
    expect(listA.total).toBe(1);
    expect((await gw.json("GET", "/api/v1/jobs?status=completed", undefined, b.h)).body.total).toBe(1);
    expect((await gw.json("GET", "/api/v1/jobs?status=queued", undefined, b.h)).body.total).toBe(0);
    const all = (await gw.json("GET", "/api/v1/jobs?limit=100")).body.jobs.map((j: any) => j.job_id);
    expect(all).toEqual(expect.arrayContaining([ja.job_id, jb.job_id, jo.job_id]));

    // A's own job: every read works.
    expect((await gw.json("GET", `/api/v1/jobs/${ja.job_id}`, undefined, a.h)).body.result).toBe("for a");
    expect((await gw.json("GET", `/api/v1/jobs/${ja.job_id}/events`, undefined, a.h)).body.done).toBe(true);
    expect((await raw(gw, "GET", `/api/v1/jobs/${ja.job_id}/sse`, { headers: a.h })).status).toBe(200);
    await waitUntil(async () => (await gw.json("GET", `/api/v1/jobs/${ja.job_id}/deliveries`, undefined, a.h)).body.deliveries?.length === 1);

    // B on A's job and on the operator's: as if they did not exist.
    for (const id of [ja.job_id, jo.job_id]) {
      for (const path of [`/api/v1/jobs/${id}`, `/api/v1/jobs/${id}/events`, `/api/v1/jobs/${id}/sse`, `/api/v1/jobs/${id}/deliveries`]) {
        const r = await gw.json("GET", path, undefined, b.h);
        expect(r.status, path).toBe(404);
        expect(r.body, path).toEqual(NOT_FOUND);
      }
    }
    const delivery = (await gw.json("GET", `/api/v1/jobs/${ja.job_id}/deliveries`, undefined, a.h)).body.deliveries[0];
    const retry = await gw.json("POST", `/api/v1/jobs/${ja.job_id}/deliveries/${delivery.id}/retry`, undefined, b.h);
    expect(retry.status).toBe(404);
    expect(retry.body).toEqual({ error: "delivery not found" });

    // The operator reads everyone's, and sees whose each is.
    expect((await gw.json("GET", `/api/v1/jobs/${ja.job_id}`)).body.key_id).toBe(a.id);
    expect((await gw.json("GET", `/api/v1/jobs/${jb.job_id}`)).body.key_id).toBe(b.id);
    expect((await gw.json("GET", `/api/v1/jobs/${jo.job_id}`)).body).not.toHaveProperty("key_id");
    expect((await gw.json("GET", `/api/v1/jobs/${jb.job_id}/deliveries`)).body.deliveries).toHaveLength(1);
  });

  it("refuses another job's stream token, and a token of a revoked tenant", async () => {
    const gw = gws.main;
    const ja = await submitAs(gw, a, { prompt: "[[reply:x]] tok-a" });
    const jb = await submitAs(gw, b, { prompt: "[[reply:y]] tok-b" });
    await gw.waitJob(ja.job_id);
    const bToken = jb.urls.stream.split("token=")[1];
    const crossed = await raw(gw, "GET", `/api/v1/jobs/${ja.job_id}/sse?token=${bToken}`);
    expect(crossed.status).toBe(401);
    expect(JSON.parse(crossed.text)).toEqual({ error: "invalid or expired stream token" });
    // Its own token opens its own stream (no key needed).
    expect((await raw(gw, "GET", ja.urls.stream)).status).toBe(200);

    const c = await createTenant(gw, "tenant-c");
    const jc = await submitAs(gw, c, { prompt: "[[reply:z]] tok-c" });
    await gw.waitJob(jc.job_id);
    expect((await raw(gw, "GET", jc.urls.stream)).status).toBe(200);
    await gw.json("DELETE", `/api/v1/keys/${c.id}`);
    expect((await raw(gw, "GET", jc.urls.stream)).status).toBe(401);
  });

  it("cancels and deletes own jobs only", async () => {
    const gw = gws.main;
    const busy = await gw.submit({ prompt: "[[hang]] holds the slot", timeout_seconds: 60 });
    await gw.waitJob(busy.job_id, (j) => j.status === "processing");
    const ja = await submitAs(gw, a, { prompt: "queued for a" });
    for (const [method, path] of [
      ["POST", `/api/v1/jobs/${ja.job_id}/cancel`],
      ["DELETE", `/api/v1/jobs/${ja.job_id}`],
      ["POST", `/api/v1/jobs/${busy.job_id}/cancel`],
      ["DELETE", `/api/v1/jobs/${busy.job_id}`],
    ] as const) {
      const r = await gw.json(method, path, undefined, b.h);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body).toEqual(NOT_FOUND);
    }
    expect((await gw.json("GET", `/api/v1/jobs/${ja.job_id}`)).body.status).toBe("queued");
    expect((await gw.json("GET", `/api/v1/jobs/${busy.job_id}`)).body.status).toBe("processing");
    expect((await gw.json("POST", `/api/v1/jobs/${ja.job_id}/cancel`, undefined, a.h)).status).toBe(200);
    expect((await gw.json("DELETE", `/api/v1/jobs/${ja.job_id}`, undefined, a.h)).status).toBe(204);
    expect((await gw.json("POST", `/api/v1/jobs/${busy.job_id}/cancel`)).status).toBe(200);
  });

  it("scopes Idempotency-Keys per key: the same key and body from two tenants makes two jobs", async () => {
    const gw = gws.main;
    const body = { prompt: "[[reply:idem]] idem" };
    const h = { "Idempotency-Key": "order-77" };
    const first = await gw.json("POST", "/api/v1/jobs", body, { ...a.h, ...h });
    const other = await gw.json("POST", "/api/v1/jobs", body, { ...b.h, ...h });
    const again = await gw.json("POST", "/api/v1/jobs", body, { ...a.h, ...h });
    expect([first.status, other.status, again.status]).toEqual([202, 202, 202]);
    expect(other.body.job_id).not.toBe(first.body.job_id);
    expect(again.body.job_id).toBe(first.body.job_id);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(other.headers.get("idempotent-replayed")).toBeNull();
  });
});

describe("webhook secrets per tenant", () => {
  it("gives each tenant its own secret and signs its deliveries with it, not with another's", async () => {
    const gw = gws.main;
    const secret = async (h?: Record<string, string>) => (await gw.json("GET", "/api/v1/webhooks/secret", undefined, h)).body.secret as string;
    const [sa, sb, so] = [await secret(a.h), await secret(b.h), await secret()];
    expect(new Set([sa, sb, so]).size).toBe(3);
    for (const s of [sa, sb, so]) expect(s).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);

    const r = await startReceiver("127.0.0.1");
    try {
      const ja = await submitAs(gw, a, { prompt: "[[reply:hook a]] wh-a", callback_url: r.url });
      const jb = await submitAs(gw, b, { prompt: "[[reply:hook b]] wh-b", callback_url: r.url });
      const jo = await gw.submit({ prompt: "[[reply:hook op]] wh-op", callback_url: r.url });
      await waitUntil(() => r.received.length === 3, 20_000, "three callbacks");
      const byJob = new Map(r.received.map((x) => [JSON.parse(x.body).job_id as string, x]));
      const verifies = (s: string, jobId: string) => {
        const got = byJob.get(jobId)!;
        try {
          new Webhook(s).verify(got.body, got.headers as Record<string, string>);
          return true;
        } catch {
          return false;
        }
      };
      expect([verifies(sa, ja.job_id), verifies(sb, ja.job_id), verifies(so, ja.job_id)]).toEqual([true, false, false]);
      expect([verifies(sa, jb.job_id), verifies(sb, jb.job_id), verifies(so, jb.job_id)]).toEqual([false, true, false]);
      expect([verifies(sa, jo.job_id), verifies(sb, jo.job_id), verifies(so, jo.job_id)]).toEqual([false, false, true]);
    } finally {
      await r.close();
    }
  });

  it("rotates a tenant's webhook secret: later deliveries verify with the new one only", async () => {
    const gw = gws.main;
    const t = await createTenant(gw, "rotating");
    const before = (await gw.json("GET", "/api/v1/webhooks/secret", undefined, t.h)).body.secret;
    const bad = await gw.json("PATCH", `/api/v1/keys/${t.id}`, { rotate_webhook_secret: "yes" });
    expect(bad.body).toEqual({ error: "rotate_webhook_secret must be a boolean" });
    expect((await gw.json("PATCH", `/api/v1/keys/${t.id}`, { rotate_webhook_secret: true })).status).toBe(200);
    const after = (await gw.json("GET", "/api/v1/webhooks/secret", undefined, t.h)).body.secret;
    expect(after).not.toBe(before);
    const r = await startReceiver("127.0.0.1");
    try {
      await submitAs(gw, t, { prompt: "[[reply:rotated]] rot-1", callback_url: r.url });
      await waitUntil(() => r.received.length === 1, 20_000, "the callback");
      const got = r.received[0]!;
      expect(() => new Webhook(after).verify(got.body, got.headers as Record<string, string>)).not.toThrow();
      expect(() => new Webhook(before).verify(got.body, got.headers as Record<string, string>)).toThrow();
    } finally {
      await r.close();
    }
  });
});
