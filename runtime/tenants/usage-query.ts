// GET /api/v1/usage query: a range of UTC days (both ends included; default the last 30 days) and a grouping.
import { z } from "zod";
import { USAGE_GROUPS } from "./usage-ledger";

export const MAX_USAGE_DAYS = 366;
export const GROUP_BY_ERROR = `group_by must be one of: ${USAGE_GROUPS.join(", ")}`;
const DAY_MS = 86_400_000;

/** A real calendar date, written YYYY-MM-DD (2026-02-30 is not one). */
const isDay = (v: string) => {
  const t = Date.parse(`${v}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(t) && new Date(t).toISOString().startsWith(v);
};

const day = (name: string) =>
  z
    .string({ error: `${name} must be a date YYYY-MM-DD` })
    .optional()
    .refine((v) => v === undefined || v === "" || isDay(v), {
      message: `${name} must be a date YYYY-MM-DD`,
    })
    .transform((v) => v || undefined);

export const usageQuerySchema = z
  .object({
    from: day("from"),
    to: day("to"),
    group_by: z.enum(USAGE_GROUPS, { error: GROUP_BY_ERROR }).default("day"),
  })
  .transform((q, ctx) => {
    const to = q.to ?? new Date().toISOString().slice(0, 10);
    const from = q.from ?? new Date(Date.parse(to) - 29 * DAY_MS).toISOString().slice(0, 10);
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1) ctx.addIssue({ code: "custom", message: "from must not be after to" });
    else if (days > MAX_USAGE_DAYS) ctx.addIssue({ code: "custom", message: `from and to must be at most ${MAX_USAGE_DAYS} days apart` });
    return { from, to, group_by: q.group_by };
  });
