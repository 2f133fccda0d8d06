// Turns of one session run one at a time, in submission order, even when slots are free; a turn whose
// predecessor failed still runs; other sessions are not held up; deleting a session cancels its turns. The scripted CLI logs each run's start and exit.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { isAlive } from "../support/processes";

let gw: GatewayProcess;
beforeAll(async () => {
  gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_CONCURRENCY: "4" } });
});
afterAll(async () => gw?.stop());

interface Span {
  start: number;
  end: number;
  stdin: string;
}
const spans = (file: string): Span[] =>
  readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Span).sort((a, b) => a.start - b.start);

describe("the turns of one session", () => {
  it("never overlap and run in submission order, a failed turn's successor included", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "cg-order-")), "spans.jsonl");
    const other = join(mkdtempSync(join(tmpdir(), "cg-order-")), "spans.jsonl");
    const first = await gw.submit({ prompt: `[[span:${log}]][[reply:a|b]][[delay:150]] turn-0` });
    const sid = first.session_id;
    // Submitted together while the first runs: 3 slots are free, yet each waits for the previous turn.
    const rest = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        gw.submit({ prompt: `[[span:${log}]]${i === 2 ? "[[crash]]" : "[[reply:a|b]][[delay:100]]"} turn-${i}`, session_id: sid }),
      ),
    );
    // Another session meanwhile runs alongside.
    const parallel = await gw.submit({ prompt: `[[span:${other}]][[reply:x|y]][[delay:300]] elsewhere` });
    const done = [];
    for (const j of [first, ...rest]) done.push(await gw.waitJob(j.job_id));
    await gw.waitJob(parallel.job_id);
    expect(done.map((j) => j.status)).toEqual(["completed", "completed", "failed", "completed", "completed"]);
    expect(new Set(done.map((j) => j.session_id))).toEqual(new Set([sid]));

    const runs = spans(log);
    expect(runs.length).toBe(5);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
    // In the order the session lists its turns: the order the gateway stored them. Turns sent at once reach the
    // database in an order of their own on PostgreSQL (a transaction each, on several connections).
    const session = (await gw.json("GET", `/api/v1/sessions/${sid}`)).body;
    const turnOf = new Map([first, ...rest].map((j, i) => [j.job_id, String(i)]));
    expect(session.turns[0].job_id).toBe(first.job_id);
    expect(runs.map((r) => /turn-(\d)/.exec(r.stdin)![1])).toEqual(session.turns.map((t: any) => turnOf.get(t.job_id)));
    // The other session's run overlapped this session's turns: slots were free, only the session waited.
    const [elsewhere] = spans(other);
    expect(elsewhere!.start).toBeLessThan(runs.at(-1)!.start);
    expect(elsewhere!.end).toBeGreaterThan(runs[0]!.start);

    expect(new Set(session.turns.map((t: any) => t.job_id))).toEqual(new Set([first, ...rest].map((j) => j.job_id)));
    expect(session.turns.find((t: any) => t.job_id === rest[1]!.job_id).error_code).toBe("cli_error");
  });

  it("are cancelled, their CLI killed, when their session is deleted mid-turn", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cg-order-"));
    const pidFile = join(dir, "pid");
    const running = await gw.submit({ prompt: `[[pid-file:${pidFile}]][[hang]] doomed-turn` });
    const queued = await gw.submit({ prompt: "[[reply:never]] doomed-next", session_id: running.session_id });
    await gw.waitJob(running.job_id, (j) => j.status === "processing");
    const pid = Number(await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, "utf8"), 10_000, "the CLI's pid"));
    expect((await gw.request("DELETE", `/api/v1/sessions/${running.session_id}`)).status).toBe(204);
    for (const j of [running, queued]) expect((await gw.json("GET", `/api/v1/jobs/${j.job_id}`)).status).toBe(404);
    await waitUntil(() => !isAlive(pid), 10_000, "the turn's CLI to be killed");
  });
});
