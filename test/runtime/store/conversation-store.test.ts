// Which session a compatible API's conversation continues in: the one whose latest turn answered it, with exactly
// the answer the client sends back; none once the session went on, the answer differs, or the session is gone.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConversationStore } from "../../../runtime/store/conversation-store";
import { openSqlite } from "../../../runtime/store/database";
import { JobStore } from "../../../runtime/store/job-store";

function fresh() {
  const { sql } = openSqlite(join(mkdtempSync(join(tmpdir(), "cg-conversations-")), "c.db"));
  const store = new JobStore(sql);
  const conversations = new ConversationStore(sql);
  /** A turn of session `sessionId` that answered conversation `fp` with `result` (or is still running: no result). */
  const turn = async (id: string, sessionId: string, fp: string, result?: string) => {
    if (!(await store.sessions.get(sessionId))) await store.sessions.create({ id: sessionId, owner: "" });
    const row = { id, prompt: "p", systemPrompt: "", model: "haiku" as const, callbackUrl: "", webhookEvents: ["completed" as const] };
    expect(await store.insert({ ...row, metadata: undefined, responseFormat: "", timeoutSeconds: undefined, createdAt: Date.now(), owner: "", sessionId, fork: false, requestId: "" }, 1000)).toMatchObject({ id, status: "queued" });
    await conversations.mark(id, fp);
    if (result === undefined) return;
    expect((await store.claimNext({ instance: "i1", leaseMs: 60_000 }))?.job.id).toBe(id);
    expect(await store.finish(id, (await store.get(id))!.attempts, { status: "completed", result, error: "", errorCode: "" })).toMatchObject({ status: "completed" });
    await store.sessions.release(sessionId, id);
  };
  return { store, conversations, turn };
}

describe("ConversationStore.continuable", () => {
  it("finds the session whose latest turn answered the conversation with exactly this answer", async () => {
    const { conversations, turn } = fresh();
    await turn("j1", "S", "fp1", "Hello Ada!");
    expect(await conversations.continuable("fp1", "Hello Ada!")).toEqual({ sessionId: "S", jobId: "j1" });
    expect(await conversations.continuable("fp1", "Hello Ada! ")).toBeUndefined();
    expect(await conversations.continuable("fp2", "Hello Ada!")).toBeUndefined();
  });

  it("finds none once the session has a later turn (another branch), queued or done", async () => {
    const { conversations, turn } = fresh();
    await turn("j1", "S", "fp1", "Hello Ada!");
    await turn("j2", "S", "fp2");
    expect(await conversations.continuable("fp1", "Hello Ada!")).toBeUndefined();
    expect(await conversations.continuable("fp2", "")).toBeUndefined(); // not completed yet
  });

  it("picks the session with the matching answer when the same conversation was asked twice", async () => {
    const { conversations, turn } = fresh();
    await turn("j1", "S", "fp1", "Hello Ada!");
    await turn("j2", "T", "fp1", "Hi Ada.");
    expect(await conversations.continuable("fp1", "Hello Ada!")).toEqual({ sessionId: "S", jobId: "j1" });
    expect(await conversations.continuable("fp1", "Hi Ada.")).toEqual({ sessionId: "T", jobId: "j2" });
  });

  it("finds none once the session is deleted", async () => {
    const { store, conversations, turn } = fresh();
    await turn("j1", "S", "fp1", "Hello Ada!");
    expect(await store.sessions.delete("S")).toBe(true);
    expect(await conversations.continuable("fp1", "Hello Ada!")).toBeUndefined();
  });
});
