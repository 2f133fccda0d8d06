// Conversations across instances (issue 12 with sessions): the turns of one session may be sent to any gateway and
// run on any of them. Here each turn is sent to a gateway other than the one that ran the turn before, and that one
// is stopped first, so no turn can run where the previous transcript was written: it resumes from the database.
// The real pinned CLI against the fake Messages API, which records what each turn sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "../support/cluster";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import type { GatewayProcess } from "../support/gateway-process";

let fake: FakeAnthropic;
let cluster: Cluster;
beforeAll(async () => {
  fake = await startFakeAnthropic();
  cluster = await startCluster(3, { env: { ANTHROPIC_BASE_URL: fake.url } });
});
afterAll(async () => {
  await cluster?.stopAll();
  await fake?.close();
});

/** The messages the CLI sent to the API for the turn whose prompt holds `marker`, as text. */
const sentFor = (marker: string) => JSON.stringify(fake.requests.find((r) => r.kind === "main" && r.prompt.includes(marker))?.body.messages ?? null);

describe("sessions across instances", () => {
  it("each turn runs on another gateway than the one before, which is gone, and carries every earlier turn", async () => {
    const live = [...cluster.members];
    const turns = ["one", "two", "three"];
    const runners: GatewayProcess[] = [];
    let sessionId: string | undefined;
    for (const [i, name] of turns.entries()) {
      const job = await live[0]!.submit({ prompt: `[[reply:answer ${name} plugh]] cluster-turn-${name}`, ...(sessionId && { session_id: sessionId }) });
      const done = await live[0]!.waitJob(job.job_id);
      expect(done, JSON.stringify(done)).toMatchObject({ status: "completed", result: `answer ${name} plugh` });
      sessionId ??= done.session_id;
      expect(done.session_id).toBe(sessionId);
      const runner = live.find((m) => m.output.includes(`"msg":"job started","job_id":"${job.job_id}"`));
      expect(runner, `the gateway that ran turn ${name}`).toBeDefined();
      runners.push(runner!);
      const sent = sentFor(`cluster-turn-${name}`);
      for (const earlier of turns.slice(0, i)) {
        expect(sent).toContain(`cluster-turn-${earlier}`);
        expect(sent).toContain(`answer ${earlier} plugh`);
      }
      // The next turn cannot run where this one did.
      if (i < turns.length - 1) {
        await runner!.stop();
        live.splice(live.indexOf(runner!), 1);
      }
    }
    expect(new Set(runners).size).toBe(3);
    const session = await live[0]!.json("GET", `/api/v1/sessions/${sessionId}`);
    expect(session.body.turns.map((t: any) => t.status)).toEqual(["completed", "completed", "completed"]);
  });
});
