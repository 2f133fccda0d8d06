// Sessions with the real pinned CLI against the fake Messages API (which records what the CLI sends): a next turn
// resumes the stored transcript (its request carries the earlier turns), a fork branches without touching its
// parent, and a session continues after a gateway restart with none of its runs' folders left on disk.
import { mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { GatewayProcess, waitUntil } from "../support/gateway-process";
import { createTenant } from "../support/tenants";

let fake: FakeAnthropic;
let gw: GatewayProcess;
let dataDir: string;
let runTmp: string;

const env = () => ({ ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_CONCURRENCY: "2", TMPDIR: runTmp });

beforeAll(async () => {
  fake = await startFakeAnthropic();
  dataDir = mkdtempSync(join(tmpdir(), "cg-sessions-"));
  runTmp = join(dataDir, "tmp");
  mkdirSync(runTmp);
  gw = await GatewayProcess.start({ dataDir, env: env() });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
});

/** The main request the CLI sent for the turn whose prompt holds `marker`, and its whole conversation as text. */
function conversationOf(marker: string): string {
  const req = fake.requests.find((r) => r.kind === "main" && r.prompt.includes(marker));
  if (!req) throw new Error(`no API request for ${marker}`);
  return JSON.stringify(req.body.messages);
}

async function turn(body: Record<string, unknown>): Promise<any> {
  const job = await gw.submit(body);
  const done = await gw.waitJob(job.job_id);
  expect(done.status, JSON.stringify(done)).toBe("completed");
  return done;
}

describe("sessions with the real CLI", () => {
  it("a second turn's request to the API carries the first turn's messages", async () => {
    const first = await turn({ prompt: "[[reply:first ans|wer xyzzy]] resume-turn-one" });
    expect(first.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.cli_session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.session_id).not.toBe(first.cli_session_id);
    expect(conversationOf("resume-turn-one")).not.toContain("first answer xyzzy");

    const second = await turn({ prompt: "resume-turn-two", session_id: first.session_id });
    expect(second.session_id).toBe(first.session_id);
    const sent = conversationOf("resume-turn-two");
    expect(sent).toContain("resume-turn-one");
    expect(sent).toContain("first answer xyzzy");

    const s = await gw.json("GET", `/api/v1/sessions/${first.session_id}`);
    expect(s.status).toBe(200);
    expect(s.body.turns.map((t: any) => [t.job_id, t.status])).toEqual([
      [first.job_id, "completed"],
      [second.job_id, "completed"],
    ]);
    expect(s.body.usage.output_tokens).toBe(first.usage.output_tokens + second.usage.output_tokens);
    expect(s.body.cost_usd).toBeCloseTo(first.cost_usd + second.cost_usd, 10);
    expect(Date.parse(s.body.last_active_at)).toBeGreaterThanOrEqual(Date.parse(s.body.created_at));
  });

  it("a fork branches from the parent and leaves the parent's next turn unaffected", async () => {
    const root = await turn({ prompt: "fork-root-turn" });
    const fork = await turn({ prompt: "fork-branch-turn", session_id: root.session_id, fork: true });
    expect(fork.session_id).not.toBe(root.session_id);
    expect(fork.fork).toBe(true);
    expect(conversationOf("fork-branch-turn")).toContain("fork-root-turn");

    const next = await turn({ prompt: "fork-parent-next", session_id: root.session_id });
    const sent = conversationOf("fork-parent-next");
    expect(sent).toContain("fork-root-turn");
    expect(sent).not.toContain("fork-branch-turn");
    expect(next.session_id).toBe(root.session_id);

    const forked = (await gw.json("GET", `/api/v1/sessions/${fork.session_id}`)).body;
    expect(forked.parent_session_id).toBe(root.session_id);
    expect(forked.turns.map((t: any) => t.job_id)).toEqual([fork.job_id]);
  });

  it("continues after a gateway restart, with none of its run folders left on disk", async () => {
    const first = await turn({ prompt: "[[reply:before re|start]] restart-turn-one" });
    // The worker removes the run's folder once its CLI is gone (just after the job's end).
    await waitUntil(() => readdirSync(runTmp).filter((f) => f.startsWith("claudegate-job-")).length === 0, 10_000, "no run folder");
    await gw.stop();
    gw = await GatewayProcess.start({ dataDir, env: env() });
    await turn({ prompt: "restart-turn-two", session_id: first.session_id });
    expect(conversationOf("restart-turn-two")).toContain("before restart");
  });

  it("answers an unknown session and another tenant's with the same 404", async () => {
    const unknown = await gw.json("POST", "/api/v1/jobs", { prompt: "x", session_id: "no-such-session" });
    expect(unknown).toMatchObject({ status: 404, body: { error: "session not found" } });
    expect(await gw.json("GET", "/api/v1/sessions/no-such-session")).toMatchObject({ status: 404, body: { error: "session not found" } });
    const fork = await gw.json("POST", "/api/v1/jobs", { prompt: "x", fork: true });
    expect(fork).toMatchObject({ status: 400, body: { error: "fork requires session_id" } });

    const a = await createTenant(gw, "sessions-a");
    const b = await createTenant(gw, "sessions-b");
    const mine = await gw.json("POST", "/api/v1/jobs", { prompt: "tenant-a-turn" }, a.h);
    expect(mine.status).toBe(202);
    const sid = mine.body.session_id;
    for (const body of [{ prompt: "y", session_id: sid }, { prompt: "y", session_id: sid, fork: true }]) {
      expect(await gw.json("POST", "/api/v1/jobs", body, b.h)).toMatchObject({ status: 404, body: { error: "session not found" } });
    }
    expect(await gw.json("GET", `/api/v1/sessions/${sid}`, undefined, b.h)).toMatchObject({ status: 404 });
    expect(await gw.json("DELETE", `/api/v1/sessions/${sid}`, undefined, b.h)).toMatchObject({ status: 404 });
    expect((await gw.json("GET", "/api/v1/sessions", undefined, b.h)).body).toMatchObject({ sessions: [], total: 0 });
    const listA = (await gw.json("GET", "/api/v1/sessions", undefined, a.h)).body;
    expect(listA.sessions.map((s: any) => s.session_id)).toEqual([sid]);
    expect(listA.sessions[0].key_id).toBe(a.id);
    await gw.waitJob(mine.body.job_id);
  });

  it("deletes a session with its turns", async () => {
    const done = await turn({ prompt: "delete-me-turn" });
    expect((await gw.request("DELETE", `/api/v1/sessions/${done.session_id}`)).status).toBe(204);
    expect((await gw.json("GET", `/api/v1/sessions/${done.session_id}`)).status).toBe(404);
    expect((await gw.json("GET", `/api/v1/jobs/${done.job_id}`)).status).toBe(404);
    const again = await gw.json("POST", "/api/v1/jobs", { prompt: "x", session_id: done.session_id });
    expect(again.status).toBe(404);
  });
});
