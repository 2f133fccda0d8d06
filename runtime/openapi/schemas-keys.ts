// Response schemas of tenant keys and the usage ledger (see schemas.ts for what these schemas are for).
import { z } from "zod";
import { BUDGET_PERIODS, policySchema } from "../tenants/policy";
import { USAGE_GROUPS } from "../tenants/usage-ledger";
import { count, timestamp } from "./schema-parts";

export const keyPolicySchema = policySchema.describe(
  "What the key may do; every field optional, absent = no limit of that kind. `models`: allowed models; `tools`: allowed tools " +
    "(among the operator's); `workspace_max_bytes`: bytes of all its sessions' files; `max_queued`: jobs " +
    "waiting at once; `max_running`: CLIs at once; `rate_limit`: submits per second; `budget_usd` per `budget_period` (UTC " +
    BUDGET_PERIODS.join(" or ") +
    ").",
);

export const keySchema = z
  .object({
    id: z.string().describe("`key_…`: the owner of the key's jobs"),
    name: z.string(),
    policy: keyPolicySchema,
    created_at: timestamp,
    revoked_at: timestamp.nullable().describe("`null` while the key works"),
  })
  .describe("A tenant key. Its secret is never shown again after creation.");

export const createdKeySchema = keySchema.extend({ key: z.string().describe("The secret, `cg_…`: shown in this response only") });
export const keyListSchema = z.object({ keys: z.array(keySchema).describe("Oldest first, revoked keys included") });
export const revokedKeySchema = keySchema.extend({ cancelled_jobs: count.describe("Queued jobs of the key cancelled by the revocation") });

const usageFigures = {
  jobs: count.describe("Runs that ended (a job cancelled while queued never ran)"),
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
  cost_usd: z.number().min(0).describe("Sum of the CLI's `total_cost_usd`"),
  run_seconds: z.number().min(0),
};

export const usageReportSchema = z
  .object({
    from: z.iso.date(),
    to: z.iso.date(),
    group_by: z.enum(USAGE_GROUPS),
    usage: z
      .array(
        z.object({
          day: z.iso.date().optional().describe("With `group_by=day`"),
          model: z.string().optional().describe("With `group_by=model`"),
          key_id: z.string().nullable().optional().describe("With `group_by=key`; `null` for operator keys"),
          key_name: z.string().nullable().optional().describe("With `group_by=key`; `null` for operator keys"),
          ...usageFigures,
        }),
      )
      .describe("One row per group that has usage, in order"),
    total: z.object(usageFigures).describe("The whole range"),
  })
  .describe("Usage from the ledger, by UTC day of each run's end. A tenant key sees its own; an operator key everyone's.");
