// The claim and sessions: a turn waits while its session's run is alive (from the claim until the run's end
// releases it), in submission order; a fork's first turn also waits for its parent's; another session's turn
// takes a free slot meanwhile; sessions follow the TTL once their last turn is gone.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../../runtime/store/database";
import { JobStore } from "../../../runtime/store/job-store";

function fresh() {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), "cg-sessions-")), "s.db"));
  const store = new JobStore(db);
  const add = (id: string, sessionId: string, opts: { fork?: boolean; parent?: string; owner?: string } = {}) => {
    if (!store.sessions.get(sessionId)) store.sessions.create({ id: sessionId, owner: opts.owner ?? "", parentId: opts.parent });
    const row = { id, prompt: "p", systemPrompt: "", model: "haiku" as const, callbackUrl: "", webhookEvents: ["completed" as const] };
    expect(store.insert({ ...row, metadata: undefined, responseFormat: "", timeoutSeconds: undefined, requestId: "", createdAt: Date.now(), owner: opts.owner ?? "", sessionId, fork: opts.fork ?? false }, 1000)).toBeUndefined();
  };
  const claim = () => store.claimNext()?.id;
  const finish = (id: string) => {
    const job = store.get(id)!;
    store.finish(id, job.attempts, { status: "completed", result: "", error: "", errorCode: "" });
  };
  return { db, store, add, claim, finish };
}

describe("claiming turns of sessions", () => {
  it("runs one turn of a session at a time, in order, and lets other sessions' turns by", () => {
    const { store, add, claim, finish } = fresh();
    add("a1", "A");
    add("a2", "A");
    add("b1", "B");
    add("a3", "A");
    expect(claim()).toBe("a1");
    expect(store.sessions.get("A")!.runningJob).toBe("a1");
    expect(claim()).toBe("b1"); // a2 waits for a1's run, b1 takes the free slot
    expect(claim()).toBeUndefined();
    finish("a1");
    expect(claim()).toBeUndefined(); // finished, but its run has not ended: its transcript is not stored yet
    store.sessions.release("A", "a1");
    expect(claim()).toBe("a2");
    finish("a2");
    store.sessions.release("A", "a2");
    expect(claim()).toBe("a3");
  });

  it("does not let an owner whose waiting jobs all wait on their sessions block another owner", () => {
    const { add, claim } = fresh();
    add("t1", "T", { owner: "key_t" });
    expect(claim()).toBe("t1"); // key_t served first...
    add("u0", "U0", { owner: "key_u" });
    expect(claim()).toBe("u0"); // ...then key_u: key_t is now the owner served longest ago
    add("t2", "T", { owner: "key_t" });
    add("u1", "U1", { owner: "key_u" });
    // Round robin picks key_t, whose only waiting job waits for T's run: the claim goes on to key_u.
    expect(claim()).toBe("u1");
    expect(claim()).toBeUndefined();
  });

  it("holds a fork's first turn while a turn of its parent runs", () => {
    const { store, add, claim, finish } = fresh();
    add("p1", "P");
    expect(claim()).toBe("p1");
    add("f1", "F", { fork: true, parent: "P" });
    expect(claim()).toBeUndefined();
    finish("p1");
    store.sessions.release("P", "p1");
    expect(claim()).toBe("f1");
  });

  it("deletes, by the TTL, sessions whose last turn is gone and that were not used since", () => {
    const { store, add, finish, claim } = fresh();
    add("o1", "OLD");
    add("n1", "NEW");
    expect(claim()).toBe("o1");
    finish("o1");
    store.sessions.release("OLD", "o1");
    const cutoff = Date.now() + 1000;
    expect(store.sessions.expired(cutoff)).toEqual([]); // both still have their jobs
    expect(store.deleteTerminalBefore(cutoff)).toBe(1);
    expect(store.sessions.expired(cutoff)).toEqual(["OLD"]); // NEW's turn is still queued
    expect(store.sessions.expired(0)).toEqual([]);
  });
});
