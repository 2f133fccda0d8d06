// GET /api/v1/jobs query. As the original, a missing or non-integer limit/offset falls back to the default;
// unlike it, the clamped values are the ones echoed back.
import { z } from "zod";
import { STATUSES } from "./job";

export const STATUS_FILTER_ERROR = `status must be one of: ${STATUSES.join(", ")}`;

const intOr = (def: number) =>
  z.unknown().optional().transform((v) => {
    const s = Array.isArray(v) ? v[0] : v;
    return typeof s === "string" && /^-?\d+$/.test(s.trim()) ? Number(s.trim()) : def;
  });

export const listQuerySchema = z.object({
  limit: intOr(20).transform((n) => (n <= 0 ? 20 : Math.min(n, 100))),
  offset: intOr(0).transform((n) => Math.max(0, Math.min(n, Number.MAX_SAFE_INTEGER))),
  status: z
    .enum(["", ...STATUSES], { error: STATUS_FILTER_ERROR })
    .optional()
    .transform((s) => s || undefined),
});
