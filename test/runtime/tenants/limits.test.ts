// Budgets against the usage ledger with the clock passed in: a key out of budget is held until its period
// resets (a new UTC day or month), then its queued jobs may run again; max_running holds a key at its share.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqlite } from "../../../runtime/store/database";
import { JobStore } from "../../../runtime/store/job-store";
import { KeyStore } from "../../../runtime/tenants/key-store";
import { budgetStatus, claimLimits } from "../../../runtime/tenants/limits";
import type { KeyPolicy } from "../../../runtime/tenants/policy";
import { UsageLedger } from "../../../runtime/tenants/usage-ledger";

const T = (iso: string) => Date.parse(iso);

const claimant = { instance: "i1", leaseMs: 60_000 };

async function setup(policy: KeyPolicy) {
  const { sql } = openSqlite(join(mkdtempSync(join(tmpdir(), "cg-limits-")), "l.db"));
  const store = new JobStore(sql);
  const keys = new KeyStore(sql);
  await keys.reload();
  const ledger = new UsageLedger(sql);
  const created = await keys.create("k", policy);
  if (typeof created === "string") throw new Error(created);
  const key = created.key;
  let n = 0;
  const queue = async () => {
    const id = `j${n++}`;
    await store.sessions.create({ id, owner: key.id });
    await store.insert({ id, prompt: "p", systemPrompt: "", model: "haiku", callbackUrl: "", webhookEvents: ["completed"], metadata: undefined, responseFormat: "", timeoutSeconds: undefined, requestId: "", createdAt: 0, owner: key.id, sessionId: id, fork: false }, 1e6);
    return id;
  };
  /** Queues a job, and runs the key's oldest queued one to the end at `at`, costing `cost`. */
  const spend = async (cost: number, at: number) => {
    await queue();
    const { job } = (await store.claimNext(claimant, {}, at - 1000))!;
    await store.finish(job.id, 1, { status: "completed", result: "", error: "", errorCode: "", stats: { cost_usd: cost } }, at);
  };
  return { store, keys, ledger, key, queue, spend, deps: { keys, store, ledger } };
}

describe("budgets", () => {
  it("holds a key out of its daily budget until the next UTC day", async () => {
    const { key, ledger, queue, spend, deps } = await setup({ budget_usd: 1, budget_period: "day" });
    await spend(0.6, T("2026-11-29T08:00:00Z"));
    await queue();
    expect((await claimLimits(deps, T("2026-11-29T09:00:00Z"))).held).toEqual([]);
    await spend(0.6, T("2026-11-29T10:00:00Z"));
    const noon = T("2026-11-29T12:00:00Z");
    expect(await budgetStatus(ledger, key, noon)).toEqual({ spent: 1.2, budget: 1, period: "day", resetsAt: T("2026-11-30T00:00:00Z"), exhausted: true });
    expect((await claimLimits(deps, noon)).held).toEqual([key.id]);
    expect((await claimLimits(deps, T("2026-11-29T23:59:59.999Z"))).held).toEqual([key.id]);
    expect((await claimLimits(deps, T("2026-11-30T00:00:00Z"))).held).toEqual([]);
    expect((await budgetStatus(ledger, key, T("2026-11-30T00:00:00Z")))!.spent).toBe(0);
  });

  it("sums a monthly budget over the month's days, and resets on the 1st", async () => {
    const { key, ledger, queue, spend, deps } = await setup({ budget_usd: 1, budget_period: "month" });
    await spend(0.5, T("2026-11-02T08:00:00Z"));
    await spend(0.5, T("2026-11-20T08:00:00Z"));
    await queue();
    expect((await budgetStatus(ledger, key, T("2026-11-29T00:00:00Z")))!.exhausted).toBe(true);
    expect((await claimLimits(deps, T("2026-11-30T23:00:00Z"))).held).toEqual([key.id]);
    expect((await claimLimits(deps, T("2026-12-01T00:00:00Z"))).held).toEqual([]);
  });

  it("has no budget status without a budget, and holds only for max_running", async () => {
    const { key, ledger, store, queue, deps } = await setup({ max_running: 1 });
    expect(await budgetStatus(ledger, key)).toBeUndefined();
    await queue();
    await queue();
    expect((await claimLimits(deps)).held).toEqual([]);
    expect(await store.claimNext(claimant, await claimLimits(deps))).toMatchObject({ job: { id: "j0" } });
    expect((await claimLimits(deps)).held).toEqual([key.id]);
    expect(await store.claimNext(claimant, await claimLimits(deps))).toBeUndefined();
    // Limits made before that claim (another instance's, a moment late) hold no one, but the claim counts again.
    expect(await store.claimNext(claimant, { held: [], maxRunning: new Map([[key.id, 1]]) })).toBeUndefined();
    expect(await store.claimNext(claimant, { held: [], maxRunning: new Map([[key.id, 2]]) })).toMatchObject({ job: { id: "j1" } });
  });
});
