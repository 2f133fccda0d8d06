// Keys as tenants, step 6: a budget per key and period. Spend is the CLI's total_cost_usd, summed in the usage
// ledger when each run ends; once the period's spend reaches the budget, submits get 429 with Retry-After until
// the period resets, and the key's queued jobs wait (they are not failed). The scripted CLI reports [[cost:X]].
import { describe, expect, it } from "vitest";
import { FAKE_CLI } from "../support/gateway-process";
import { errorOf, raw, useGateways } from "../support/contract";
import { createTenant, submitAs } from "../support/tenants";

const gws = useGateways({ main: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });

describe("budgets", () => {
  it("blocks submits and holds queued jobs once the day's spend reaches the budget; a raised budget frees them", async () => {
    const gw = gws.main;
    const t = await createTenant(gw, "thrifty", { budget_usd: 1, budget_period: "day" });
    const other = await createTenant(gw, "spender");
    const j1 = await submitAs(gw, t, { prompt: "[[cost:0.6]] b-1" });
    expect((await gw.waitJob(j1.job_id)).cost_usd).toBe(0.6);

    // 0.6 of 1 spent: both accepted; the first to run brings the spend to 1.2, so the second must wait.
    const j2 = await submitAs(gw, t, { prompt: "[[cost:0.6]] b-2" });
    const j3 = await submitAs(gw, t, { prompt: "[[reply:held]] b-3" });
    expect((await gw.waitJob(j2.job_id)).status).toBe("completed");
    // Another key's job, submitted after, runs to the end while the held one still waits.
    const o = await submitAs(gw, other, { prompt: "[[reply:other]] b-other" });
    expect((await gw.waitJob(o.job_id)).status).toBe("completed");
    expect((await gw.json("GET", `/api/v1/jobs/${j3.job_id}`)).body).toMatchObject({ status: "queued", attempts: 0 });

    const refused = await raw(gw, "POST", "/api/v1/jobs", { headers: { ...t.h, "Content-Type": "application/json" }, body: JSON.stringify({ prompt: "b-4" }) });
    expect(refused.status).toBe(429);
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(errorOf(refused)).toBe(`budget exhausted: $1.2000 of $1 this day spent; resets at ${midnight.toISOString()}`);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(Math.abs(retryAfter - (midnight.getTime() - Date.now()) / 1000)).toBeLessThan(5);
    // Other keys and operators are not affected.
    await submitAs(gw, other, { prompt: "[[reply:still]] b-other-2" });
    expect((await gw.json("POST", "/api/v1/jobs", { prompt: "[[reply:op]] b-op" })).status).toBe(202);

    // A raised budget: the held job starts at once and submits are accepted again.
    expect((await gw.json("PATCH", `/api/v1/keys/${t.id}`, { policy: { budget_usd: 5, budget_period: "day" } })).status).toBe(200);
    expect((await gw.waitJob(j3.job_id)).status).toBe("completed");
    await submitAs(gw, t, { prompt: "[[reply:again]] b-5" });
  });

  it("counts a month's spend for a monthly budget, and keeps it after the jobs are deleted", async () => {
    const gw = gws.main;
    const t = await createTenant(gw, "monthly", { budget_usd: 0.5, budget_period: "month" });
    const j = await submitAs(gw, t, { prompt: "[[cost:0.5]] m-1" });
    await gw.waitJob(j.job_id);
    expect((await gw.json("DELETE", `/api/v1/jobs/${j.job_id}`, undefined, t.h)).status).toBe(204);
    const r = await gw.json("POST", "/api/v1/jobs", { prompt: "m-2" }, t.h);
    expect(r.status).toBe(429);
    expect(r.body.error).toMatch(/^budget exhausted: \$0\.5000 of \$0\.5 this month spent; resets at \d{4}-\d{2}-01T00:00:00\.000Z$/);
  });
});
