// submitJob's `afterTurn`: a turn continues a session only while the turn it was matched to is still the
// session's latest, checked in the insert's transaction, so two requests continuing the same point of a
// compatible-API conversation do not both land in the session (the second is refused and replays a transcript).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Config } from "../../../runtime/config";
import { EventLog } from "../../../runtime/events/event-log";
import { EventHub } from "../../../runtime/events/hub";
import { submitJob, type JobDeps } from "../../../runtime/job/commands";
import type { Dispatcher } from "../../../runtime/queue/dispatcher";
import { openSqlite } from "../../../runtime/store/database";
import { JobStore } from "../../../runtime/store/job-store";
import { WriteBatcher } from "../../../runtime/store/write-batcher";
import type { Webhooks } from "../../../runtime/webhooks/webhooks";

function deps(): JobDeps {
  const { sql } = openSqlite(join(mkdtempSync(join(tmpdir(), "cg-after-turn-")), "a.db"));
  return {
    config: { queueSize: 100, defaultModel: "haiku" } as Config,
    store: new JobStore(sql),
    events: new EventLog(sql, new EventHub()),
    dispatcher: { pump: () => undefined } as unknown as Dispatcher,
    webhooks: {} as Webhooks,
    writes: new WriteBatcher(sql),
  };
}

describe("submitJob with afterTurn", () => {
  it("adds the turn while the matched one is the session's latest, and refuses a second continuation of that point", async () => {
    const d = deps();
    const first = await submitJob(d, { prompt: "My name is Ada." } as never, { owner: "" });
    if (!first.ok) throw new Error(first.reason);
    const session = first.job.sessionId;
    const body = { prompt: "What is my name?", session_id: session } as never;
    const a = await submitJob(d, body, { owner: "", afterTurn: first.job.id });
    expect(a).toMatchObject({ ok: true, job: { sessionId: session } });
    expect(await submitJob(d, body, { owner: "", afterTurn: first.job.id })).toEqual({ ok: false, reason: "session_not_found" });
    expect(await d.store.sessions.latestTurn(session)).toBe(a.ok && a.job.id);
  });

  it("lets only the first of two continuations submitted in one batch (one transaction) through", async () => {
    const d = deps();
    const first = await submitJob(d, { prompt: "Hi" } as never, { owner: "" });
    if (!first.ok) throw new Error(first.reason);
    const body = { prompt: "Again", session_id: first.job.sessionId } as never;
    const both = await Promise.all([1, 2].map(() => submitJob(d, body, { owner: "", afterTurn: first.job.id })));
    expect(both.map((r) => r.ok)).toEqual([true, false]);
  });
});
