// GET /api/v1/stats/timeline: the last N minutes per minute, for the playground's Status view. Finished jobs are
// counted in the minute they ended, by status; queue depth and running jobs are sampled at each minute's end
// (the last one now) from the jobs' own timestamps, so the figures are the database's, whichever instance answers.
// A job that was put back in the queue shows only its latest run (its row keeps only that start).
import { z } from "zod";
import { isTerminal, TERMINAL_STATUSES, type JobStatus, type TerminalStatus } from "../job/job";

export const MINUTE_MS = 60_000;
export const MAX_TIMELINE_MINUTES = 1440;

export const timelineQuerySchema = z.object({
  minutes: z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      const s = Array.isArray(v) ? v[0] : v;
      if (s === undefined || s === "") return 60;
      if (typeof s !== "string" || !/^\d{1,5}$/.test(s.trim()) || Number(s) < 1 || Number(s) > MAX_TIMELINE_MINUTES) {
        ctx.addIssue({ code: "custom", message: `minutes must be an integer from 1 to ${MAX_TIMELINE_MINUTES}` });
        return z.NEVER;
      }
      return Number(s);
    }),
});

/** The times of a job that matter here (epoch ms). */
export interface LifeSpan {
  status: JobStatus;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
}

/** Jobs that ended in the minute are counted by their terminal status: one field per status. */
export type TimelineBucket = {
  /** Start of the minute (epoch ms). */
  at: number;
  /** Jobs waiting, and jobs running, at the end of the minute (the last one: now). */
  queued: number;
  running: number;
} & Record<TerminalStatus, number>;

const noneEnded = () => Object.fromEntries(TERMINAL_STATUSES.map((s) => [s, 0])) as Record<TerminalStatus, number>;

/** The first minute-aligned `from` of a window of `minutes` that ends with the minute holding `now`. */
export const windowStart = (now: number, minutes: number) => (Math.floor(now / MINUTE_MS) + 1 - minutes) * MINUTE_MS;

export function bucketTimeline(spans: readonly LifeSpan[], now: number, minutes: number): TimelineBucket[] {
  const from = windowStart(now, minutes);
  const buckets: TimelineBucket[] = Array.from({ length: minutes }, (_, i) => ({
    at: from + i * MINUTE_MS,
    queued: 0,
    running: 0,
    ...noneEnded(),
  }));
  // Sample i is taken at the end of minute i, the last at `now`; an interval [a, b) holds at the samples
  // from firstAt(a) to firstAt(b) - 1. Counted with difference arrays: one pass over the jobs.
  const sampleAt = (i: number) => (i === minutes - 1 ? now : from + (i + 1) * MINUTE_MS);
  const firstAt = (t: number) => {
    if (t > now) return minutes;
    const i = Math.max(0, Math.ceil((t - from) / MINUTE_MS) - 1);
    return Math.min(i, minutes - 1) + (sampleAt(Math.min(i, minutes - 1)) < t ? 1 : 0);
  };
  const queued = new Array<number>(minutes + 1).fill(0);
  const running = new Array<number>(minutes + 1).fill(0);
  const add = (diff: number[], a: number, b: number | null) => {
    const i = firstAt(a);
    const j = b === null ? minutes : firstAt(b);
    if (i < j) {
      diff[i]! += 1;
      diff[j]! -= 1;
    }
  };
  for (const s of spans) {
    add(queued, s.createdAt, s.startedAt ?? s.completedAt);
    if (s.startedAt !== null) add(running, s.startedAt, s.completedAt);
    if (s.completedAt !== null && s.completedAt >= from && s.completedAt <= now) {
      const b = buckets[Math.floor((s.completedAt - from) / MINUTE_MS)];
      if (b && isTerminal(s.status)) b[s.status] += 1;
    }
  }
  let q = 0;
  let r = 0;
  for (let i = 0; i < minutes; i++) {
    buckets[i]!.queued = q += queued[i]!;
    buckets[i]!.running = r += running[i]!;
  }
  return buckets;
}
