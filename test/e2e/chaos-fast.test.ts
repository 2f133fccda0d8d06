// The fast subset of the standing chaos suite (`npm run test:chaos`, test/chaos), inside plain `npm test`: the
// same kill -9 loop and fuzz code, smaller. A failure prints its seed; CHAOS_SEED=<seed> replays its choices.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { GatewayProcess } from "../support/gateway-process";
import { runKillLoop } from "../support/chaos/kill-loop";
import { FUZZ_ENV, TERMINAL_BOUND_MS, runFuzz } from "../support/chaos/fuzz";
import { chaosSeed } from "../support/chaos/prng";
import { formatTable } from "../support/chaos/report";

const seed = chaosSeed();
let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake?.close();
});

describe(`chaos, fast subset (CHAOS_SEED=${seed})`, () => {
  it("kill -9 loop: 2 rounds × 10 jobs, every job terminal exactly once, none lost, no CLI left", async () => {
    const report = await runKillLoop({
      seed,
      rounds: 2,
      jobsPerRound: 10,
      realCliJobs: 1,
      fake,
      maxAttempts: 2,
      concurrency: 2,
      killWindowMs: [200, 2500],
      drainTimeoutMs: 60_000,
    });
    console.log(`kill loop, seed ${seed}\n${formatTable(report.rows)}`);
    expect(report.problems).toEqual([]);
  }, 90_000);

  it("fuzz: 500 hostile requests, no 5xx, no crash, still serving, every stored row reads back, every job ends in time", async () => {
    const gw = await GatewayProcess.start({ env: FUZZ_ENV });
    try {
      const report = await runFuzz(gw, { seed, requests: 500, concurrency: 6, slowLoris: 0, hugeHeaders: 1 });
      console.log(`fuzz, seed ${seed}: ${report.accepted} jobs accepted, ${report.notTerminal} not terminal in time\n${formatTable([report.row])}`);
      expect(report.problems).toEqual([]);
      expect(report.notTerminal).toBe(0);
    } finally {
      await gw.stop();
    }
  }, 90_000 + TERMINAL_BOUND_MS);
});
