// The run's time limit: the job's own timeout_seconds may only shorten the operator's CLAUDEGATE_JOB_TIMEOUT_MINUTES.
import { describe, expect, it } from "vitest";
import { effectiveTimeoutMs } from "../../../runtime/cli/run-spec";

describe("effective job timeout", () => {
  it("takes the shorter of the job's and the operator's; 0 means the operator set none", () => {
    expect(effectiveTimeoutMs(undefined, 60_000)).toBe(60_000);
    expect(effectiveTimeoutMs(2, 60_000)).toBe(2000);
    expect(effectiveTimeoutMs(60, 60_000)).toBe(60_000);
    // A job stored before the operator lowered the limit still ends at the operator's.
    expect(effectiveTimeoutMs(3600, 60_000)).toBe(60_000);
    expect(effectiveTimeoutMs(3600, 0)).toBe(3_600_000);
    expect(effectiveTimeoutMs(undefined, 0)).toBe(0);
  });
});
