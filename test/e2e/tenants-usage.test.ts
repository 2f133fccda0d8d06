// Keys as tenants, step 7: GET /api/v1/usage from the usage ledger, by day, model or key; a tenant sees its
// own, an operator everyone's; figures survive the jobs' deletion.
import { describe, expect, it } from "vitest";
import { FAKE_CLI } from "../support/gateway-process";
import { useGateways } from "../support/contract";
import { createTenant, submitAs } from "../support/tenants";

const gws = useGateways({ main: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
const today = () => new Date().toISOString().slice(0, 10);

describe("usage", () => {
  it("reports jobs, tokens, cost and run time per day, model and key", async () => {
    const gw = gws.main;
    const a = await createTenant(gw, "usage-a");
    const b = await createTenant(gw, "usage-b");
    const ja = [await submitAs(gw, a, { prompt: "[[cost:0.25]] u-a1" }), await submitAs(gw, a, { prompt: "[[cost:0.5]] u-a2", model: "sonnet" })];
    const jb = await submitAs(gw, b, { prompt: "[[cost:1]] u-b1" });
    const jo = await gw.submit({ prompt: "[[cost:2]] u-op" });
    const done = await Promise.all([...ja, jb, jo].map((j) => gw.waitJob(j.job_id)));
    // Deleted jobs still count.
    await gw.json("DELETE", `/api/v1/jobs/${ja[0].job_id}`, undefined, a.h);

    const mine = (await gw.json("GET", "/api/v1/usage", undefined, a.h)).body;
    expect(mine.group_by).toBe("day");
    expect(mine.to).toBe(today());
    expect(mine.usage).toHaveLength(1);
    expect(mine.usage[0]).toMatchObject({ day: today(), jobs: 2, cost_usd: 0.75, input_tokens: 20 });
    const out = done[0].usage.output_tokens + done[1].usage.output_tokens;
    expect(mine.total).toMatchObject({ jobs: 2, cost_usd: 0.75, output_tokens: out, cache_read_input_tokens: 0 });
    expect(mine.total.run_seconds).toBeGreaterThan(0);

    const byModel = (await gw.json("GET", "/api/v1/usage?group_by=model", undefined, a.h)).body.usage;
    expect(byModel.map((r: any) => [r.model, r.jobs, r.cost_usd])).toEqual([["haiku", 1, 0.25], ["sonnet", 1, 0.5]]);
    const ownKey = (await gw.json("GET", "/api/v1/usage?group_by=key", undefined, b.h)).body.usage;
    expect(ownKey.map((r: any) => [r.key_id, r.key_name, r.cost_usd])).toEqual([[b.id, "usage-b", 1]]);

    const all = (await gw.json("GET", `/api/v1/usage?group_by=key&from=${today()}&to=${today()}`)).body;
    const byKey = Object.fromEntries(all.usage.map((r: any) => [r.key_name ?? "(operator)", r.cost_usd]));
    expect(byKey).toEqual({ "(operator)": 2, "usage-a": 0.75, "usage-b": 1 });
    expect(all.total).toMatchObject({ jobs: 4, cost_usd: 3.75 });

    const past = (await gw.json("GET", "/api/v1/usage?from=2020-01-01&to=2020-01-31")).body;
    expect(past).toEqual({ from: "2020-01-01", to: "2020-01-31", group_by: "day", usage: [], total: expect.objectContaining({ jobs: 0, cost_usd: 0 }) });
  });

  it("refuses a bad range or grouping with 400", async () => {
    const gw = gws.main;
    for (const [query, error] of [
      ["from=2026-13-01", "from must be a date YYYY-MM-DD"],
      ["to=yesterday", "to must be a date YYYY-MM-DD"],
      ["from=2026-02-30", "from must be a date YYYY-MM-DD"],
      ["from=2026-05-02&to=2026-05-01", "from must not be after to"],
      ["from=2024-01-01&to=2026-01-01", "from and to must be at most 366 days apart"],
      ["group_by=week", "group_by must be one of: day, model, key"],
    ]) {
      const r = await gw.json("GET", `/api/v1/usage?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body, query).toEqual({ error });
    }
  });
});
