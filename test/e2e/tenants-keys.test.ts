// Keys as tenants, step 1: key management by operators (create, list, get, patch, revoke), tenant keys that
// authenticate, survive a restart, stop working the moment they are revoked, and get 403 on operator endpoints.
import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { API_KEY, FAKE_CLI, GatewayProcess } from "../support/gateway-process";
import { errorOf, raw, useGateways } from "../support/contract";
import { createTenant, submitAs } from "../support/tenants";

const gws = useGateways({ main: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
const extra: GatewayProcess[] = [];
afterAll(async () => Promise.all(extra.map((g) => g.stop())));

const KEY_FIELDS = ["id", "name", "policy", "created_at", "revoked_at"];

describe("key management", () => {
  it("creates a key whose secret is shown once and never listed", async () => {
    const gw = gws.main;
    const created = await gw.json("POST", "/api/v1/keys", { name: "alpha", policy: { models: ["haiku"], max_queued: 5 } });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body)).toEqual([...KEY_FIELDS, "key"]);
    expect(created.body.id).toMatch(/^key_[0-9a-f]{16}$/);
    expect(created.body.key).toMatch(/^cg_[A-Za-z0-9_-]{43}$/);
    expect(created.body.policy).toEqual({ models: ["haiku"], max_queued: 5 });
    expect(created.body.revoked_at).toBeNull();
    expect(created.headers.get("location")).toBe(`/api/v1/keys/${created.body.id}`);

    const one = await gw.json("GET", `/api/v1/keys/${created.body.id}`);
    expect(one.status).toBe(200);
    expect(Object.keys(one.body)).toEqual(KEY_FIELDS);
    const list = await raw(gw, "GET", "/api/v1/keys", { headers: { "X-API-Key": API_KEY } });
    expect(list.status).toBe(200);
    // Neither the secret, nor its hash, nor the key's webhook secret is ever listed.
    const webhookSecret = (await gw.json("GET", "/api/v1/webhooks/secret", undefined, { "X-API-Key": created.body.key })).body.secret;
    for (const hidden of [created.body.key, createHash("sha256").update(created.body.key).digest("hex"), webhookSecret]) {
      expect(list.text).not.toContain(hidden);
      expect(JSON.stringify((await gw.json("GET", `/api/v1/keys/${created.body.id}`)).body)).not.toContain(hidden);
    }
    const listed = JSON.parse(list.text).keys.find((k: any) => k.id === created.body.id);
    expect(listed).toEqual(one.body);
    // The tenant key works.
    const mine = await gw.json("GET", "/api/v1/jobs", undefined, { "X-API-Key": created.body.key });
    expect(mine.status).toBe(200);
    expect(mine.body.total).toBe(0);
    expect((await gw.json("GET", "/api/v1/jobs", undefined, { Authorization: `Bearer ${created.body.key}` })).status).toBe(200);
  });

  it("refuses bad input with 400 naming the field", async () => {
    const gw = gws.main;
    await createTenant(gw, "taken");
    const cases: [unknown, string][] = [
      [{}, "name is required"],
      [{ name: "" }, "name must not be empty"],
      [{ name: 3 }, "name must be a string"],
      [{ name: "taken" }, 'name "taken" is already taken'],
      [{ name: "x", policy: { color: "red" } }, "policy.color is not a policy field"],
      [{ name: "x", policy: { max_queued: -1 } }, "policy.max_queued must be a positive integer"],
      [{ name: "x", policy: { max_running: 1.5 } }, "policy.max_running must be a positive integer"],
      [{ name: "x", policy: { rate_limit: 0 } }, "policy.rate_limit must be a positive integer"],
      [{ name: "x", policy: { budget_usd: -2, budget_period: "day" } }, "policy.budget_usd must be a positive number"],
      [{ name: "x", policy: { budget_usd: 2 } }, "policy.budget_period is required with policy.budget_usd"],
      [{ name: "x", policy: { budget_period: "day" } }, "policy.budget_usd is required with policy.budget_period"],
      [{ name: "x", policy: { budget_usd: 2, budget_period: "week" } }, "policy.budget_period must be one of: day, month"],
      [{ name: "x", policy: { models: ["gpt"] } }, "policy.models must list only: haiku, sonnet, opus or a full model id (claude-...)"],
      [{ name: "x", policy: [] }, "policy must be an object"],
    ];
    for (const [body, message] of cases) {
      const r = await raw(gw, "POST", "/api/v1/keys", { headers: { "X-API-Key": API_KEY, "Content-Type": "application/json" }, body: JSON.stringify(body) });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(r), JSON.stringify(body)).toBe(message);
    }
    expect((await gw.json("GET", "/api/v1/keys")).body.keys.filter((k: any) => k.name === "x")).toEqual([]);
  });

  it("updates the name and replaces the policy; 404 for an unknown key", async () => {
    const gw = gws.main;
    const t = await createTenant(gw, "beta", { max_queued: 3 });
    const r = await gw.json("PATCH", `/api/v1/keys/${t.id}`, { name: "beta-2", policy: { rate_limit: 7 } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: t.id, name: "beta-2", policy: { rate_limit: 7 } });
    expect((await gw.json("PATCH", `/api/v1/keys/${t.id}`, { policy: { nope: 1 } })).body).toEqual({ error: "policy.nope is not a policy field" });
    await createTenant(gw, "gamma");
    expect((await gw.json("PATCH", `/api/v1/keys/${t.id}`, { name: "gamma" })).body).toEqual({ error: 'name "gamma" is already taken' });
    const missing = await gw.json("PATCH", "/api/v1/keys/key_0000000000000000", { name: "z" });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: "key not found" });
    expect((await gw.json("GET", "/api/v1/keys/key_0000000000000000")).status).toBe(404);
    expect((await gw.json("DELETE", "/api/v1/keys/key_0000000000000000")).status).toBe(404);
  });

  it("revokes a key at once: its next request is 401, its queued jobs cancelled (or kept with queued=keep)", async () => {
    const gw = gws.main;
    const busy = await gw.submit({ prompt: "[[hang]] keeps the only slot", timeout_seconds: 60 });
    await gw.waitJob(busy.job_id, (j) => j.status === "processing");
    const a = await createTenant(gw, "revoke-cancel");
    const b = await createTenant(gw, "revoke-keep");
    const aJobs = [await submitAs(gw, a, { prompt: "a1" }), await submitAs(gw, a, { prompt: "a2" })];
    const bJob = await submitAs(gw, b, { prompt: "b1" });

    const bad = await gw.json("DELETE", `/api/v1/keys/${a.id}?queued=maybe`);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: "queued must be one of: cancel, keep" });

    const ra = await gw.json("DELETE", `/api/v1/keys/${a.id}`);
    expect(ra.status).toBe(200);
    expect(ra.body.cancelled_jobs).toBe(2);
    expect(ra.body.revoked_at).toMatch(/Z$/);
    const denied = await gw.json("GET", "/api/v1/jobs", undefined, a.h);
    expect(denied.status).toBe(401);
    expect(denied.body).toEqual({ error: "invalid API key" });
    for (const j of aJobs) expect((await gw.json("GET", `/api/v1/jobs/${j.job_id}`)).body.status).toBe("cancelled");

    const rb = await gw.json("DELETE", `/api/v1/keys/${b.id}?queued=keep`);
    expect(rb.body.cancelled_jobs).toBe(0);
    expect((await gw.json("GET", `/api/v1/jobs/${bJob.job_id}`)).body.status).toBe("queued");
    expect((await gw.json("GET", `/api/v1/keys/${b.id}`)).body.revoked_at).toBe(rb.body.revoked_at);
    // A revoked key cannot be changed; its name stays taken.
    expect((await gw.json("PATCH", `/api/v1/keys/${b.id}`, { name: "again" })).status).toBe(409);
    expect((await gw.json("POST", "/api/v1/keys", { name: "revoke-keep" })).status).toBe(400);

    await gw.json("POST", `/api/v1/jobs/${busy.job_id}/cancel`);
    expect((await gw.waitJob(bJob.job_id)).status).toBe("completed");
  });

  it("routes the key paths: 405 with Allow for a method they do not take", async () => {
    const gw = gws.main;
    for (const [method, path, allow] of [
      ["PUT", "/api/v1/keys/key_0000000000000000", "DELETE, GET, PATCH"],
      ["DELETE", "/api/v1/keys", "GET, POST"],
    ] as const) {
      const r = await raw(gw, method, path, { headers: { "X-API-Key": API_KEY } });
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.get("allow"), `${method} ${path}`).toBe(allow);
    }
  });

  it("answers 403 `operator key required` to a tenant on operator endpoints", async () => {
    const gw = gws.main;
    const t = await createTenant(gw, "no-ops");
    const cases: [string, string, unknown?][] = [
      ["POST", "/api/v1/queue/pause", {}],
      ["POST", "/api/v1/queue/resume"],
      ["GET", "/api/v1/stats"],
      ["GET", "/api/v1/keys"],
      ["POST", "/api/v1/keys", { name: "sneaky" }],
      ["GET", `/api/v1/keys/${t.id}`],
      ["PATCH", `/api/v1/keys/${t.id}`, { policy: {} }],
      ["DELETE", `/api/v1/keys/${t.id}`],
    ];
    for (const [method, path, body] of cases) {
      const r = await raw(gw, method, path, { headers: { ...t.h, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(errorOf(r), `${method} ${path}`).toBe("operator key required");
    }
    expect((await gw.json("GET", "/api/v1/stats")).body.queue).toBeDefined();
    expect((await gw.json("GET", `/api/v1/keys/${t.id}`)).body.revoked_at).toBeNull();
  });
});

describe("keys across a restart", () => {
  it("keeps tenant keys (active and revoked) in the database", async () => {
    const gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
    extra.push(gw);
    const live = await createTenant(gw, "survivor");
    const dead = await createTenant(gw, "revoked");
    await gw.json("DELETE", `/api/v1/keys/${dead.id}`);
    await gw.stop();
    const again = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI }, dataDir: gw.dataDir });
    extra.push(again);
    expect((await again.json("GET", "/api/v1/jobs", undefined, live.h)).status).toBe(200);
    expect((await again.json("GET", "/api/v1/jobs", undefined, dead.h)).status).toBe(401);
    expect((await again.json("GET", "/api/v1/keys")).body.keys.map((k: any) => k.name)).toEqual(["survivor", "revoked"]);
  });
});
