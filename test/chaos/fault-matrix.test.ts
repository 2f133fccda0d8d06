// CLI fault matrix (issue 5): crash at start, crash mid-stream, exit 0 with no result, result then linger, no
// output forever (stall watchdog), a 1 MB line, 100 MB of output, SIGTERM ignored, a grandchild holding stdout,
// invalid JSON lines, a usage-limit result... on one gateway with the default output cap. See
// test/support/chaos/fault-matrix.ts.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayProcess } from "../support/gateway-process";
import { MATRIX_ENV, runFaultMatrix } from "../support/chaos/fault-matrix";
import { formatTable, recordRows } from "../support/chaos/report";

let gw: GatewayProcess;
beforeAll(async () => {
  gw = await GatewayProcess.start({ env: MATRIX_ENV });
});
afterAll(async () => {
  await gw?.stop();
});

/** The gateway streams and stores at most 10 MiB of a 100 MB flood; its memory must show it. */
const MAX_RSS_GROWTH_MIB = 200;

describe("CLI fault matrix", () => {
  it("each fault ends in its documented status and error_code, leaves no process, and the server keeps serving", async () => {
    const report = await runFaultMatrix(gw);
    recordRows(inject("chaosResults"), report.rows);
    console.log(`fault matrix (gateway RSS ${report.baseRssMiB.toFixed(0)} MiB at the start, at most ${report.maxRssMiB.toFixed(0)} MiB)\n${formatTable(report.rows)}`);
    expect(report.problems).toEqual([]);
    expect(report.maxRssMiB - report.baseRssMiB).toBeLessThan(MAX_RSS_GROWTH_MIB);
  });
});
