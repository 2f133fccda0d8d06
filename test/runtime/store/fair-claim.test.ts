// The jobs table as a fair queue: round robin between owners, FIFO within one, held owners skipped; the
// per-owner counts the triggers keep always equal a count over the jobs; the usage ledger gets one row per run.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqlite } from "../../../runtime/store/database";
import { JobStore } from "../../../runtime/store/job-store";

function fresh() {
  const { sql, db } = openSqlite(join(mkdtempSync(join(tmpdir(), "cg-fair-")), "f.db"));
  const store = new JobStore(sql);
  let n = 0;
  // Each job is the first turn of its own session, as submitJob makes it.
  const add = async (owner: string, id = `${owner || "op"}-${n++}`) => {
    await store.sessions.create({ id, owner });
    expect(await store.insert({ id, prompt: "p", systemPrompt: "", model: "haiku", callbackUrl: "", webhookEvents: ["completed"], metadata: undefined, responseFormat: "", timeoutSeconds: undefined, requestId: "", createdAt: Date.now(), owner, sessionId: id, fork: false }, 1_000_000)).toMatchObject({ id, status: "queued" });
    return id;
  };
  const claimant = { instance: "i1", leaseMs: 60_000 };
  const claimAll = async (held: string[] = []) => {
    const ids: string[] = [];
    for (let c = await store.claimNext(claimant, { held }); c; c = await store.claimNext(claimant, { held })) ids.push(c.job.id);
    return ids;
  };
  /** owner_queue must always equal what a count over the jobs says. */
  const consistent = () => {
    const kept = db.prepare(`SELECT owner, queued, running FROM owner_queue WHERE queued > 0 OR running > 0 ORDER BY owner`).all();
    const counted = db
      .prepare(`SELECT owner, SUM(status = 'queued') AS queued, SUM(status = 'processing') AS running FROM jobs
                GROUP BY owner HAVING queued > 0 OR running > 0 ORDER BY owner`)
      .all();
    expect(kept).toEqual(counted);
  };
  return { db, store, add, claimAll, consistent };
}

describe("claimNext", () => {
  it("takes owners in turn (never-served first, by their oldest job), FIFO within each", async () => {
    const { add, claimAll, consistent } = fresh();
    const a = [await add("A"), await add("A"), await add("A"), await add("A")];
    const b = [await add("B"), await add("B")];
    const o = [await add("")];
    consistent();
    expect(await claimAll()).toEqual([a[0], b[0], o[0], a[1], b[1], a[2], a[3]]);
    consistent();
    // A newcomer after a long backlog is served next: it was served longest ago (never).
    const more = [await add("A"), await add("A"), await add("A")];
    const c = await add("C");
    expect(await claimAll()).toEqual([c, more[0], more[1], more[2]]);
  });

  it("skips held owners and leaves their jobs queued", async () => {
    const { store, add, claimAll, consistent } = fresh();
    const a = [await add("A"), await add("A")];
    const b = await add("B");
    expect(await claimAll(["A"])).toEqual([b]);
    expect((await store.get(a[0]!))!.status).toBe("queued");
    expect(await store.waitingOwners()).toEqual([{ owner: "A", running: 0 }]);
    expect(await claimAll()).toEqual(a);
    consistent();
  });

  it("keeps the per-owner counts through every transition", async () => {
    const { store, add, claimAll, consistent } = fresh();
    const ids = [await add("A"), await add("A"), await add("B"), await add("B"), await add(""), await add("")];
    const [x, y, z] = (await claimAll()).slice(0, 3);
    consistent();
    expect(await store.finish(x!, 1, { status: "completed", result: "r", error: "", errorCode: "" })).toMatchObject({ status: "completed" });
    expect(await store.cancel(y!)).toMatchObject({ status: "cancelled" });
    expect(await store.requeueRun(z!, 1)).toBe(true);
    consistent();
    expect(await store.cancel(ids[5]!)).toMatchObject({ status: "cancelled" });
    expect(await store.delete(ids[4]!)).toBe(true);
    await claimAll();
    await store.recoverInterrupted(5, false);
    consistent();
    await store.recoverInterrupted(0, false);
    consistent();
  });

  it("adds each run's figures to the usage ledger when it ends, not when a queued job is cancelled", async () => {
    const { db, store, add, claimAll } = fresh();
    const [j1, j2, j3] = [await add("A"), await add("A"), await add("A")];
    expect(await claimAll()).toEqual([j1, j2, j3]);
    const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 2, cache_read_input_tokens: 3 };
    await store.finish(j1, 1, { status: "completed", result: "", error: "", errorCode: "", stats: { usage, cost_usd: 0.25 } });
    await store.finish(j2, 1, { status: "failed", result: "", error: "x", errorCode: "cli_error", stats: { usage, cost_usd: 0.5 } });
    await store.cancel(j3); // was running: a run that ended, at no recorded cost
    await store.cancel(await add("A")); // never ran
    const rows = db.prepare(`SELECT owner, model, jobs, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd FROM usage_ledger`).all();
    expect(rows).toEqual([
      { owner: "A", model: "haiku", jobs: 3, input_tokens: 20, output_tokens: 10, cache_creation_input_tokens: 4, cache_read_input_tokens: 6, cost_usd: 0.75 },
    ]);
    // Deleting the jobs does not touch the ledger.
    for (const id of [j1, j2, j3]) await store.delete(id);
    expect(db.prepare(`SELECT SUM(cost_usd) FROM usage_ledger`).pluck().get()).toBe(0.75);
  });
});
