// GET /api/v1/jobs/{id}/events query: after = the last id the client has (0 = from the start), limit 1..1000.
import { z } from "zod";

const intParam = (name: string, def: number, min: number, max: number) =>
  z
    .string({ error: `${name} must be an integer from ${min} to ${max}` })
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return def;
      if (!/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max) {
        ctx.addIssue({ code: "custom", message: `${name} must be an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return Number(v);
    });

export const eventsQuerySchema = z.object({
  after: intParam("after", 0, 0, Number.MAX_SAFE_INTEGER),
  limit: intParam("limit", 100, 1, 1000),
});
