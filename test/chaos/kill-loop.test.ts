// Kill -9 loop (issue 5): 10 rounds of 50 jobs, the server SIGKILLed at a random moment of each round and
// restarted on the same data directory. See test/support/chaos/kill-loop.ts for what "exactly once" means here.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { runKillLoop } from "../support/chaos/kill-loop";
import { Prng } from "../support/chaos/prng";
import { formatTable, recordRows } from "../support/chaos/report";

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake?.close();
});

describe("kill -9 loop", () => {
  it("10 rounds × 50 jobs, SIGKILL at a random moment: every job terminal exactly once, none lost, no CLI left", async () => {
    const seed = new Prng(inject("chaosSeed")).fork("kill-loop").seed;
    const report = await runKillLoop({
      seed,
      rounds: Number(process.env.CHAOS_ROUNDS ?? 10),
      jobsPerRound: Number(process.env.CHAOS_JOBS ?? 50),
      realCliJobs: Number(process.env.CHAOS_REAL_CLI_JOBS ?? 12),
      fake,
      maxAttempts: 2,
      concurrency: 3,
      killWindowMs: [300, 6000],
      drainTimeoutMs: 240_000,
      log: (l) => console.log(`[kill-loop seed ${seed}] ${l}`),
    });
    recordRows(inject("chaosResults"), report.rows);
    console.log(`kill loop, seed ${seed}\n${formatTable(report.rows)}`);
    expect(report.problems).toEqual([]);
    expect(report.jobs).toBeGreaterThan(0);
  });
});
