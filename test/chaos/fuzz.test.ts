// Fuzz (issue 5): 10,000 generated hostile requests against every endpoint → zero 5xx, zero crashes, the server
// still serves, every stored row still reads back, and every job the fuzz created ends within TERMINAL_BOUND_MS
// of the fuzz's end (issue 10). See test/support/chaos/fuzz.ts.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayProcess } from "../support/gateway-process";
import { FUZZ_ENV, runFuzz } from "../support/chaos/fuzz";
import { Prng } from "../support/chaos/prng";
import { formatTable, recordRows } from "../support/chaos/report";

let gw: GatewayProcess;
beforeAll(async () => {
  gw = await GatewayProcess.start({ env: FUZZ_ENV });
});
afterAll(async () => {
  await gw?.stop();
});

describe("fuzz", () => {
  it("10,000 hostile requests: no 5xx, no crash, still serving, every stored row reads back, every job ends in time", async () => {
    const seed = new Prng(inject("chaosSeed")).fork("fuzz").seed;
    const report = await runFuzz(gw, {
      seed,
      requests: Number(process.env.CHAOS_FUZZ_REQUESTS ?? 10_000),
      concurrency: 8,
      slowLoris: 4,
      hugeHeaders: 3,
      log: (l) => console.log(`[fuzz seed ${seed}] ${l}`),
    });
    recordRows(inject("chaosResults"), [report.row]);
    console.log(`fuzz, seed ${seed}\n${formatTable([report.row])}`);
    expect(report.problems).toEqual([]);
    expect(report.notTerminal).toBe(0);
    expect(gw.child.exitCode).toBeNull();
  });
});
