// POST /api/v1/queue/pause body (optional): how long, and why (shown in stats and health).
import { z } from "zod";
import type { PauseState } from "./queue-pause";

export const MAX_PAUSE_SECONDS = 30 * 24 * 3600;

export const pauseSchema = z.object({
  seconds: z
    .number({ error: "seconds must be a positive integer" })
    .int("seconds must be a positive integer")
    .min(1, "seconds must be a positive integer")
    .max(MAX_PAUSE_SECONDS, `seconds must be at most ${MAX_PAUSE_SECONDS}`)
    .optional(),
  reason: z.string({ error: "reason must be a string" }).max(500, "reason must be at most 500 characters").optional(),
});

/** The pause as the API shows it. */
export function pauseToJson(p: PauseState | undefined) {
  if (!p) return { paused: false as const };
  return {
    paused: true as const,
    paused_until: p.until === null ? null : new Date(p.until).toISOString(),
    reason: p.reason,
    source: p.source,
    since: new Date(p.since).toISOString(),
  };
}
