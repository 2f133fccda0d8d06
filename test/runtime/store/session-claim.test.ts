// The claim and sessions: a turn waits while its session's run is alive (from the claim until the run's end
// releases it), in submission order; a fork's first turn also waits for its parent's; another session's turn
// takes a free slot meanwhile; sessions follow the TTL once their last turn is gone.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqlite } from "../../../runtime/store/database";
import { JobStore } from "../../../runtime/store/job-store";

function fresh() {
  const { sql, db } = openSqlite(join(mkdtempSync(join(tmpdir(), "cg-sessions-")), "s.db"));
  const store = new JobStore(sql);
  const add = async (id: string, sessionId: string, opts: { fork?: boolean; parent?: string; owner?: string } = {}) => {
    if (!(await store.sessions.get(sessionId))) await store.sessions.create({ id: sessionId, owner: opts.owner ?? "", parentId: opts.parent });
    const row = { id, prompt: "p", systemPrompt: "", model: "haiku" as const, callbackUrl: "", webhookEvents: ["completed" as const] };
    expect(await store.insert({ ...row, metadata: undefined, responseFormat: "", timeoutSeconds: undefined, requestId: "", createdAt: Date.now(), owner: opts.owner ?? "", sessionId, fork: opts.fork ?? false }, 1000)).toMatchObject({ id, status: "queued" });
  };
  const claim = async () => (await store.claimNext({ instance: "i1", leaseMs: 60_000 }))?.job.id;
  const finish = async (id: string) => {
    const job = (await store.get(id))!;
    expect(await store.finish(id, job.attempts, { status: "completed", result: "", error: "", errorCode: "" })).toMatchObject({ status: "completed" });
  };
  return { db, store, add, claim, finish };
}

describe("claiming turns of sessions", () => {
  it("runs one turn of a session at a time, in order, and lets other sessions' turns by", async () => {
    const { store, add, claim, finish } = fresh();
    await add("a1", "A");
    await add("a2", "A");
    await add("b1", "B");
    await add("a3", "A");
    expect(await claim()).toBe("a1");
    expect((await store.sessions.get("A"))!.runningJob).toBe("a1");
    expect(await claim()).toBe("b1"); // a2 waits for a1's run, b1 takes the free slot
    expect(await claim()).toBeUndefined();
    await finish("a1");
    expect(await claim()).toBeUndefined(); // finished, but its run has not ended: its transcript is not stored yet
    await store.sessions.release("A", "a1");
    expect(await claim()).toBe("a2");
    await finish("a2");
    await store.sessions.release("A", "a2");
    expect(await claim()).toBe("a3");
  });

  it("does not let an owner whose waiting jobs all wait on their sessions block another owner", async () => {
    const { add, claim } = fresh();
    await add("t1", "T", { owner: "key_t" });
    expect(await claim()).toBe("t1"); // key_t served first...
    await add("u0", "U0", { owner: "key_u" });
    expect(await claim()).toBe("u0"); // ...then key_u: key_t is now the owner served longest ago
    await add("t2", "T", { owner: "key_t" });
    await add("u1", "U1", { owner: "key_u" });
    // Round robin picks key_t, whose only waiting job waits for T's run: the claim goes on to key_u.
    expect(await claim()).toBe("u1");
    expect(await claim()).toBeUndefined();
  });

  it("holds a fork's first turn while a turn of its parent runs", async () => {
    const { store, add, claim, finish } = fresh();
    await add("p1", "P");
    expect(await claim()).toBe("p1");
    await add("f1", "F", { fork: true, parent: "P" });
    expect(await claim()).toBeUndefined();
    await finish("p1");
    await store.sessions.release("P", "p1");
    expect(await claim()).toBe("f1");
  });

  it("claims a turn whose session row is gone (a session being deleted) instead of failing every claim", async () => {
    const { store, add, claim } = fresh();
    await add("g1", "GONE", { owner: "key_g" });
    await add("h1", "H", { owner: "key_h" });
    // DELETE of a session removes the row first, then cancels and deletes its turns one by one.
    expect(await store.sessions.delete("GONE")).toBe(true);
    expect(await claim()).toBe("g1");
    expect(await claim()).toBe("h1");
    expect(await claim()).toBeUndefined();
  });

  it("deletes, by the TTL, sessions whose last turn is gone and that were not used since", async () => {
    const { store, add, finish, claim } = fresh();
    await add("o1", "OLD");
    await add("n1", "NEW");
    expect(await claim()).toBe("o1");
    await finish("o1");
    await store.sessions.release("OLD", "o1");
    const cutoff = Date.now() + 1000;
    expect(await store.sessions.expired(cutoff)).toEqual([]); // both still have their jobs
    expect(await store.deleteTerminalBefore(cutoff)).toBe(1);
    expect(await store.sessions.expired(cutoff)).toEqual(["OLD"]); // NEW's turn is still queued
    expect(await store.sessions.expired(0)).toEqual([]);
  });
});
