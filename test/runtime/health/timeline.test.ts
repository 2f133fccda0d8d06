// The Status view's per-minute figures, from the jobs' own timestamps.
import { describe, expect, it } from "vitest";
import { bucketTimeline, MINUTE_MS, windowStart, type LifeSpan } from "../../../runtime/health/timeline";

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0); // a minute boundary
const now = T0 + 2 * MINUTE_MS + 30_000; // 10:02:30: the window of 3 minutes is 10:00, 10:01, 10:02 (to now)
const at = (min: number, sec = 0) => T0 + min * MINUTE_MS + sec * 1000;

describe("the status timeline", () => {
  it("aligns the window on minutes and ends it with the current one", () => {
    expect(windowStart(now, 3)).toBe(T0);
    const b = bucketTimeline([], now, 3);
    expect(b.map((x) => x.at)).toEqual([at(0), at(1), at(2)]);
  });

  it("counts finished jobs in their minute by status, and samples queued and running at each minute's end", () => {
    const spans: LifeSpan[] = [
      // submitted before the window, started in minute 0, completed in minute 1
      { status: "completed", createdAt: at(-5), startedAt: at(0, 10), completedAt: at(1, 20) },
      // queued through minute 1, started in minute 2 and still running now
      { status: "processing", createdAt: at(0, 30), startedAt: at(2, 5), completedAt: null },
      // queued, never started, cancelled in minute 2
      { status: "cancelled", createdAt: at(1, 5), startedAt: null, completedAt: at(2, 10) },
      // failed in minute 0 after running from before the window
      { status: "failed", createdAt: at(-3), startedAt: at(-2), completedAt: at(0, 50) },
      // still queued now
      { status: "queued", createdAt: at(2, 20), startedAt: null, completedAt: null },
      // ended before the window: only its absence shows
      { status: "completed", createdAt: at(-9), startedAt: at(-9), completedAt: at(-8) },
    ];
    const b = bucketTimeline(spans, now, 3);
    expect(b.map(({ completed, failed, cancelled }) => [completed, failed, cancelled])).toEqual([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    // At 10:01:00: job 1 running, job 2 queued. At 10:02:00: job 2 and job 3 queued. At now: job 2 running, job 5 queued.
    expect(b.map(({ queued, running }) => [queued, running])).toEqual([
      [1, 1],
      [2, 0],
      [1, 1],
    ]);
  });

  it("counts a job that ends exactly at a minute's end as gone at that sample", () => {
    const b = bucketTimeline([{ status: "completed", createdAt: at(0), startedAt: at(0), completedAt: at(1) }], now, 3);
    expect(b.map((x) => x.running)).toEqual([0, 0, 0]);
    expect(b.map((x) => x.completed)).toEqual([0, 1, 0]);
  });
});
