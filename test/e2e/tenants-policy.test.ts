// Keys as tenants, step 4: each policy field enforced with a clear answer. models, max_queued and rate_limit at
// submit; max_running in the dispatcher's claim (a share of CLAUDEGATE_CONCURRENCY).
import { describe, expect, it } from "vitest";
import { FAKE_CLI, waitUntil } from "../support/gateway-process";
import { errorOf, raw, useGateways } from "../support/contract";
import { createTenant, submitAs } from "../support/tenants";

const gws = useGateways({
  /** One run at a time: a `[[hang]]` job holds the slot, so others stay queued. */
  one: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI },
  two: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_CONCURRENCY: "2" },
  /** Operator-wide defaults for tenant keys. */
  defaults: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_TENANT_DEFAULT_POLICY: '{"models":["haiku"],"max_queued":50}' },
});

const post = (gw: typeof gws.one, h: Record<string, string>, body: unknown) =>
  raw(gw, "POST", "/api/v1/jobs", { headers: { ...h, "Content-Type": "application/json" }, body: JSON.stringify(body) });

describe("policy at submit", () => {
  it("refuses a model outside policy.models with 403 and leaves no job", async () => {
    const gw = gws.one;
    const t = await createTenant(gw, "haiku-only", { models: ["haiku"] });
    const r = await post(gw, t.h, { prompt: "[[reply:no]] m1", model: "opus" });
    expect(r.status).toBe(403);
    expect(errorOf(r)).toBe('model "opus" is not allowed for this key (policy.models: haiku)');
    // The default model (haiku here) and an explicit allowed one pass.
    await submitAs(gw, t, { prompt: "[[reply:yes]] m2" });
    await submitAs(gw, t, { prompt: "[[reply:yes]] m3", model: "haiku" });
    expect((await gw.json("GET", "/api/v1/jobs", undefined, t.h)).body.total).toBe(2);
    // Operators have no policy.
    expect((await gw.json("POST", "/api/v1/jobs", { prompt: "[[reply:op]] m4", model: "opus" })).status).toBe(202);
  });

  it("refuses a submit beyond policy.max_queued with 429, counting only the key's own waiting jobs", async () => {
    const gw = gws.one;
    const busy = await gw.submit({ prompt: "[[hang]] mq-busy", timeout_seconds: 60 });
    await gw.waitJob(busy.job_id, (j) => j.status === "processing");
    try {
      const t = await createTenant(gw, "two-waiting", { max_queued: 2 });
      const other = await createTenant(gw, "unlimited");
      await submitAs(gw, t, { prompt: "mq-1" });
      await submitAs(gw, other, { prompt: "mq-other" });
      await submitAs(gw, t, { prompt: "mq-2" });
      const r = await post(gw, t.h, { prompt: "mq-3" });
      expect(r.status).toBe(429);
      expect(errorOf(r)).toBe("this key already has 2 jobs queued (policy.max_queued)");
      await submitAs(gw, other, { prompt: "mq-other-2" });
      expect((await gw.json("GET", "/api/v1/jobs?status=queued", undefined, t.h)).body.total).toBe(2);
      // A cancelled one makes room again.
      const first = (await gw.json("GET", "/api/v1/jobs?status=queued", undefined, t.h)).body.jobs[0];
      await gw.json("POST", `/api/v1/jobs/${first.job_id}/cancel`, undefined, t.h);
      await submitAs(gw, t, { prompt: "mq-4" });
    } finally {
      await gw.json("POST", `/api/v1/jobs/${busy.job_id}/cancel`);
    }
  });

  it("limits submits per second per key with policy.rate_limit: 429 and Retry-After, other keys unaffected", async () => {
    const gw = gws.one;
    const slow = await createTenant(gw, "one-per-second", { rate_limit: 1 });
    const free = await createTenant(gw, "no-rate");
    const burst = await Promise.all([1, 2, 3].map((i) => post(gw, slow.h, { prompt: `[[reply:r]] rate-${i}` })));
    expect(burst.map((r) => r.status).sort()).toEqual([202, 429, 429]);
    for (const r of burst.filter((x) => x.status === 429)) {
      expect(errorOf(r)).toBe("rate limit exceeded, slow down");
      expect(r.headers.get("retry-after")).toBe("1");
    }
    const others = await Promise.all([1, 2, 3].map((i) => post(gw, free.h, { prompt: `[[reply:r]] free-${i}` })));
    expect(others.map((r) => r.status)).toEqual([202, 202, 202]);
  });
});

describe("policy.max_running in the dispatcher", () => {
  it("runs at most max_running of a key's jobs at once, leaving the other slots to other keys", async () => {
    const gw = gws.two;
    const t = await createTenant(gw, "one-at-a-time", { max_running: 1 });
    const j1 = await submitAs(gw, t, { prompt: "[[hang]] mr-1", timeout_seconds: 60 });
    const j2 = await submitAs(gw, t, { prompt: "[[reply:second]] mr-2" });
    await gw.waitJob(j1.job_id, (j) => j.status === "processing");
    // The second slot is free, but not for this key: an operator job takes it and finishes while j2 waits.
    const op = await gw.submit({ prompt: "[[reply:op]] mr-op" });
    expect((await gw.waitJob(op.job_id)).status).toBe("completed");
    expect((await gw.json("GET", `/api/v1/jobs/${j2.job_id}`)).body.status).toBe("queued");
    // Raising the limit lets it start at once.
    expect((await gw.json("PATCH", `/api/v1/keys/${t.id}`, { policy: { max_running: 2 } })).status).toBe(200);
    expect((await gw.waitJob(j2.job_id)).status).toBe("completed");
    // And the first one ending frees the key's slot, too.
    const j3 = await submitAs(gw, t, { prompt: "[[hang]] mr-3", timeout_seconds: 60 });
    await gw.waitJob(j3.job_id, (j) => j.status === "processing");
    await gw.json("PATCH", `/api/v1/keys/${t.id}`, { policy: { max_running: 1 } });
    const j4 = await submitAs(gw, t, { prompt: "[[reply:fourth]] mr-4" });
    await gw.json("POST", `/api/v1/jobs/${j1.job_id}/cancel`, undefined, t.h);
    await waitUntil(async () => (await gw.json("GET", `/api/v1/jobs/${j1.job_id}`)).body.status === "cancelled");
    expect((await gw.json("GET", `/api/v1/jobs/${j4.job_id}`)).body.status).toBe("queued");
    await gw.json("POST", `/api/v1/jobs/${j3.job_id}/cancel`, undefined, t.h);
    expect((await gw.waitJob(j4.job_id)).status).toBe("completed");
  });
});

describe("CLAUDEGATE_TENANT_DEFAULT_POLICY", () => {
  it("limits tenant keys in the fields their own policy leaves out, and never operators", async () => {
    const gw = gws.defaults;
    const plain = await createTenant(gw, "plain");
    const opus = await createTenant(gw, "opus-allowed", { models: ["opus"] });
    // The key shows its own policy; the defaults apply underneath.
    expect((await gw.json("GET", `/api/v1/keys/${plain.id}`)).body.policy).toEqual({});
    const refused = await post(gw, plain.h, { prompt: "[[reply:x]] d-1", model: "opus" });
    expect(refused.status).toBe(403);
    expect(errorOf(refused)).toBe('model "opus" is not allowed for this key (policy.models: haiku)');
    expect((await post(gw, opus.h, { prompt: "[[reply:x]] d-2", model: "opus" })).status).toBe(202);
    const haiku = await post(gw, opus.h, { prompt: "[[reply:x]] d-3", model: "haiku" });
    expect(haiku.status).toBe(403);
    expect((await gw.json("POST", "/api/v1/jobs", { prompt: "[[reply:x]] d-4", model: "opus" })).status).toBe(202);
  });
});
