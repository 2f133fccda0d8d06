// Streams, cancels and deletes across instances (issue 12): a client may open a job's stream on any gateway of
// the cluster, whichever one runs the job, and get the same events with the same ids; a cancel or delete sent to
// any gateway stops the CLI (its whole process group) on the one running it within 2 s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "../support/cluster";
import { API_KEY, FAKE_CLI, type GatewayProcess, waitUntil } from "../support/gateway-process";
import { cliProcesses } from "../support/processes";
import { readSse } from "../support/sse-client";

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(3, { env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_SSE_HEARTBEAT_SECONDS: "1" } });
});
afterAll(async () => {
  await cluster?.stopAll();
});

const auth = { "X-API-Key": API_KEY };
const sseUrl = (gw: GatewayProcess, id: string) => `${gw.url}/api/v1/jobs/${id}/sse`;
const chunkTexts = (events: { event?: string; data: string }[]) => events.filter((e) => e.event === "chunk").map((e) => JSON.parse(e.data).text);

/** Submits to the first member and waits until some member runs the job: that one is B, the two others A and C. */
async function runningSomewhere(prompt: string): Promise<{ id: string; a: GatewayProcess; b: GatewayProcess; c: GatewayProcess }> {
  const { job_id: id } = await cluster.members[0]!.submit({ prompt });
  const b = await waitUntil(() => cluster.runnerOf(id), 10_000, "an instance to run the job");
  const [a, c] = cluster.members.filter((m) => m !== b) as [GatewayProcess, GatewayProcess];
  return { id, a, b, c };
}

describe("streams across instances", () => {
  it("a stream on A for a job running on B gets every chunk in order with B's ids; C resumes after Last-Event-ID", async () => {
    const texts = Array.from({ length: 12 }, (_, i) => `c${i + 1} `);
    const { id, a, b, c } = await runningSomewhere(`[[reply:${texts.join("|")}]][[delay:200]] across`);
    let resumed: ReturnType<typeof readSse> | undefined;
    let resumedAfter = "";
    let heartbeatsOnA = 0;
    const [onB, onA] = await Promise.all([
      readSse(sseUrl(b, id), { headers: auth }),
      readSse(sseUrl(a, id), {
        headers: auth,
        onComment: (c) => void (c.trim() === "ping" && heartbeatsOnA++),
        // Mid-run, a third client takes over on C from where A's stream is.
        onEvent: (e, events) => {
          if (!resumed && chunkTexts(events).length === 5) {
            resumedAfter = e.id!;
            resumed = readSse(sseUrl(c, id), { headers: { ...auth, "Last-Event-ID": resumedAfter } });
          }
        },
      }),
    ]);
    expect(onB.status).toBe(200);
    expect(onA.status).toBe(200);
    expect(chunkTexts(onB.events)).toEqual(texts);
    // The same stream: ids, names and payloads, event for event (a chunk seen live on A came through the
    // database). Only the stored events are numbered; each stream opens with an unnumbered snapshot of the job,
    // whose signed URLs differ by the second they were made.
    const stored = (events: typeof onB.events) => events.filter((e) => e.id !== undefined);
    expect(stored(onA.events)).toEqual(stored(onB.events));
    expect([onA.events[0]!.event, onB.events[0]!.event]).toEqual(["status", "status"]);
    const ids = stored(onB.events).map((e) => Number(e.id));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(onB.events.at(-1)!.event).toBe("result");
    expect(JSON.parse(onB.events.at(-1)!.data)).toMatchObject({ job_id: id, status: "completed", result: texts.join("") });

    // Heartbeats (every second here) on A too, whose own dispatcher has nothing of this 2.4 s run.
    expect(heartbeatsOnA).toBeGreaterThanOrEqual(1);
    // The JSON history on C is the same stream.
    const page = (await c.json("GET", `/api/v1/jobs/${id}/events`)).body;
    expect(page.events.map((e: any) => [e.id, e.event, e.data])).toEqual(stored(onB.events).map((e) => [Number(e.id), e.event, JSON.parse(e.data)]));

    const onC = await resumed!;
    expect(onC.status).toBe(200);
    expect(stored(onC.events)).toEqual(stored(onB.events).filter((e) => Number(e.id) > Number(resumedAfter)));
    expect(chunkTexts(onC.events)).toEqual(texts.slice(5));
  });
});

describe("cancel and delete across instances", () => {
  // [[spawn-hang]]: the CLI starts a `sleep` in its process group and hangs; both carry the job's CG_JOB_ID.
  async function hangingRun() {
    const run = await runningSomewhere("[[spawn-hang]] stop me from afar");
    await waitUntil(() => cliProcesses([run.id]).length === 2, 10_000, "the CLI and its child");
    return run;
  }

  it("cancel on A stops the CLI process group on B within 2 s", async () => {
    const { id, a } = await hangingRun();
    const r = await a.json("POST", `/api/v1/jobs/${id}/cancel`);
    expect(r.status).toBe(200);
    const t0 = Date.now();
    await waitUntil(() => cliProcesses([id]).length === 0, 2_000, "B's CLI and its child to be gone");
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect((await a.waitJob(id)).status).toBe("cancelled");
  });

  it("delete on C stops the CLI process group on B within 2 s", async () => {
    const { id, b, c } = await hangingRun();
    expect((await c.json("DELETE", `/api/v1/jobs/${id}`)).status).toBe(204);
    const t0 = Date.now();
    await waitUntil(() => cliProcesses([id]).length === 0, 2_000, "B's CLI and its child to be gone");
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect((await b.json("GET", `/api/v1/jobs/${id}`)).status).toBe(404);
  });
});
