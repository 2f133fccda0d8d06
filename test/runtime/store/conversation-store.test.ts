// Which session a compatible API's conversation continues in: the one whose latest turn answered it, with exactly
// the answer the client sends back; none once the session went on, the answer differs, or the session is gone.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConversationStore } from "../../../runtime/store/conversation-store";
import { openDatabase } from "../../../runtime/store/database";
import { JobStore } from "../../../runtime/store/job-store";

function fresh() {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), "cg-conversations-")), "c.db"));
  const store = new JobStore(db);
  const conversations = new ConversationStore(db);
  /** A turn of session `sessionId` that answered conversation `fp` with `result` (or is still running: no result). */
  const turn = (id: string, sessionId: string, fp: string, result?: string) => {
    if (!store.sessions.get(sessionId)) store.sessions.create({ id: sessionId, owner: "" });
    const row = { id, prompt: "p", systemPrompt: "", model: "haiku" as const, callbackUrl: "", webhookEvents: ["completed" as const] };
    expect(store.insert({ ...row, metadata: undefined, responseFormat: "", timeoutSeconds: undefined, createdAt: Date.now(), owner: "", sessionId, fork: false, requestId: "" }, 1000)).toBeUndefined();
    conversations.mark(id, fp);
    if (result === undefined) return;
    expect(store.claimNext()?.id).toBe(id);
    store.finish(id, store.get(id)!.attempts, { status: "completed", result, error: "", errorCode: "" });
    store.sessions.release(sessionId, id);
  };
  return { store, conversations, turn };
}

describe("ConversationStore.continuable", () => {
  it("finds the session whose latest turn answered the conversation with exactly this answer", () => {
    const { conversations, turn } = fresh();
    turn("j1", "S", "fp1", "Hello Ada!");
    expect(conversations.continuable("fp1", "Hello Ada!")).toEqual({ sessionId: "S", jobId: "j1" });
    expect(conversations.continuable("fp1", "Hello Ada! ")).toBeUndefined();
    expect(conversations.continuable("fp2", "Hello Ada!")).toBeUndefined();
  });

  it("finds none once the session has a later turn (another branch), queued or done", () => {
    const { conversations, turn } = fresh();
    turn("j1", "S", "fp1", "Hello Ada!");
    turn("j2", "S", "fp2");
    expect(conversations.continuable("fp1", "Hello Ada!")).toBeUndefined();
    expect(conversations.continuable("fp2", "")).toBeUndefined(); // not completed yet
  });

  it("picks the session with the matching answer when the same conversation was asked twice", () => {
    const { conversations, turn } = fresh();
    turn("j1", "S", "fp1", "Hello Ada!");
    turn("j2", "T", "fp1", "Hi Ada.");
    expect(conversations.continuable("fp1", "Hello Ada!")).toEqual({ sessionId: "S", jobId: "j1" });
    expect(conversations.continuable("fp1", "Hi Ada.")).toEqual({ sessionId: "T", jobId: "j2" });
  });

  it("finds none once the session is deleted", () => {
    const { store, conversations, turn } = fresh();
    turn("j1", "S", "fp1", "Hello Ada!");
    store.sessions.delete("S");
    expect(conversations.continuable("fp1", "Hello Ada!")).toBeUndefined();
  });
});
