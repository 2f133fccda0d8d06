// POST /api/v1/queue/pause body (optional): how long, and why (shown in stats and health).
import { z } from "zod";
import { positiveIntField } from "../http/validate";
import type { PauseState } from "./queue-pause";

export const MAX_PAUSE_SECONDS = 30 * 24 * 3600;

export const pauseSchema = z.object({
  seconds: positiveIntField("seconds", MAX_PAUSE_SECONDS),
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
