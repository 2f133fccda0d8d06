// The jobs table as a fair queue: round robin between owners, FIFO within one, held owners skipped; the
// per-owner counts the triggers keep always equal a count over the jobs; the usage ledger gets one row per run.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../../runtime/store/database";
import { JobStore } from "../../../runtime/store/job-store";

function fresh() {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), "cg-fair-")), "f.db"));
  const store = new JobStore(db);
  let n = 0;
  const add = (owner: string, id = `${owner || "op"}-${n++}`) => {
    expect(store.insert({ id, prompt: "p", systemPrompt: "", model: "haiku", callbackUrl: "", webhookEvents: ["completed"], metadata: undefined, responseFormat: "", timeoutSeconds: undefined, requestId: "", createdAt: Date.now(), owner, sessionId: id, fork: false }, 1_000_000)).toBeUndefined();
    return id;
  };
  const claimAll = (held: string[] = []) => {
    const ids: string[] = [];
    for (let j = store.claimNext(Date.now(), held); j; j = store.claimNext(Date.now(), held)) ids.push(j.id);
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
  it("takes owners in turn (never-served first, by their oldest job), FIFO within each", () => {
    const { add, claimAll, consistent } = fresh();
    const a = [add("A"), add("A"), add("A"), add("A")];
    const b = [add("B"), add("B")];
    const o = [add("")];
    consistent();
    expect(claimAll()).toEqual([a[0], b[0], o[0], a[1], b[1], a[2], a[3]]);
    consistent();
    // A newcomer after a long backlog is served next: it was served longest ago (never).
    const more = [add("A"), add("A"), add("A")];
    const c = add("C");
    expect(claimAll()).toEqual([c, more[0], more[1], more[2]]);
  });

  it("skips held owners and leaves their jobs queued", () => {
    const { store, add, claimAll, consistent } = fresh();
    const a = [add("A"), add("A")];
    const b = add("B");
    expect(claimAll(["A"])).toEqual([b]);
    expect(store.get(a[0]!)!.status).toBe("queued");
    expect(store.waitingOwners()).toEqual([{ owner: "A", running: 0 }]);
    expect(claimAll()).toEqual(a);
    consistent();
  });

  it("keeps the per-owner counts through every transition", () => {
    const { store, add, claimAll, consistent } = fresh();
    const ids = [add("A"), add("A"), add("B"), add("B"), add(""), add("")];
    const [x, y, z] = claimAll().slice(0, 3);
    consistent();
    store.finish(x!, 1, { status: "completed", result: "r", error: "", errorCode: "" });
    store.cancel(y!);
    store.requeueRun(z!, 1);
    consistent();
    store.cancel(ids[5]!);
    store.delete(ids[4]!);
    claimAll();
    store.recoverInterrupted(5);
    consistent();
    store.recoverInterrupted(0);
    consistent();
  });

  it("adds each run's figures to the usage ledger when it ends, not when a queued job is cancelled", () => {
    const { db, store, add, claimAll } = fresh();
    const [j1, j2, j3] = [add("A"), add("A"), add("A")];
    claimAll();
    const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 2, cache_read_input_tokens: 3 };
    store.finish(j1, 1, { status: "completed", result: "", error: "", errorCode: "", stats: { usage, cost_usd: 0.25 } });
    store.finish(j2, 1, { status: "failed", result: "", error: "x", errorCode: "cli_error", stats: { usage, cost_usd: 0.5 } });
    store.cancel(j3); // was running: a run that ended, at no recorded cost
    store.cancel(add("A")); // never ran
    const rows = db.prepare(`SELECT owner, model, jobs, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd FROM usage_ledger`).all();
    expect(rows).toEqual([
      { owner: "A", model: "haiku", jobs: 3, input_tokens: 20, output_tokens: 10, cache_creation_input_tokens: 4, cache_read_input_tokens: 6, cost_usd: 0.75 },
    ]);
    // Deleting the jobs does not touch the ledger.
    for (const id of [j1, j2, j3]) store.delete(id);
    expect(db.prepare(`SELECT SUM(cost_usd) FROM usage_ledger`).pluck().get()).toBe(0.75);
  });
});
