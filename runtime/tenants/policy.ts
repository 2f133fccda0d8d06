// What an operator may limit per tenant key. Every field is optional; absent = no limit of that kind. The
// messages name the field, as the API's other 400s do.
import { z } from "zod";
import { MODEL_RULE, modelSchema } from "../config/schema";

export const BUDGET_PERIODS = ["day", "month"] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

const positiveInt = (name: string, max: number) =>
  z
    .number({ error: `policy.${name} must be a positive integer` })
    .int(`policy.${name} must be a positive integer`)
    .min(1, `policy.${name} must be a positive integer`)
    .max(max, `policy.${name} must be at most ${max}`)
    .optional();

export const policySchema = z
  .strictObject(
    {
      models: z
        .array(modelSchema(`policy.models must list only: ${MODEL_RULE}`), {
          error: "policy.models must be an array of model aliases or ids",
        })
        .min(1, "policy.models must not be empty")
        .optional(),
      tools: z
        .array(z.string({ error: "policy.tools must be an array of tool names" }).regex(/^[A-Za-z0-9_.:-]{1,100}$/, "policy.tools must hold tool names"), {
          error: "policy.tools must be an array of tool names",
        })
        .max(100, "policy.tools must list at most 100 names")
        .optional(),
      workspace_max_bytes: positiveInt("workspace_max_bytes", 2 ** 50),
      max_queued: positiveInt("max_queued", 1_000_000),
      max_running: positiveInt("max_running", 256),
      rate_limit: positiveInt("rate_limit", 100_000),
      budget_usd: z
        .number({ error: "policy.budget_usd must be a positive number" })
        .positive("policy.budget_usd must be a positive number")
        .max(1e9, "policy.budget_usd must be at most 1000000000")
        .optional(),
      budget_period: z.enum(BUDGET_PERIODS, { error: `policy.budget_period must be one of: ${BUDGET_PERIODS.join(", ")}` }).optional(),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `policy.${issue.keys[0]} is not a policy field`
          : issue.code === "invalid_type"
            ? "policy must be an object"
            : undefined,
    },
  )
  .superRefine((p, ctx) => {
    if (p.budget_usd !== undefined && p.budget_period === undefined) {
      ctx.addIssue({ code: "custom", path: ["budget_period"], message: "policy.budget_period is required with policy.budget_usd" });
    }
    if (p.budget_period !== undefined && p.budget_usd === undefined) {
      ctx.addIssue({ code: "custom", path: ["budget_usd"], message: "policy.budget_usd is required with policy.budget_period" });
    }
  });

export type KeyPolicy = z.output<typeof policySchema>;

export const keyNameSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "name is required" : "name must be a string") })
  .trim()
  .min(1, "name must not be empty")
  .max(100, "name must be at most 100 characters");

export const createKeySchema = z.object({
  name: keyNameSchema,
  policy: policySchema.optional(),
});

/** PATCH: a new name, a policy that replaces the old one whole, and/or a new webhook secret. */
export const updateKeySchema = z.object({
  name: keyNameSchema.optional(),
  policy: policySchema.optional(),
  rotate_webhook_secret: z.boolean({ error: "rotate_webhook_secret must be a boolean" }).optional(),
});

export const QUEUED_ON_REVOKE = ["cancel", "keep"] as const;
export const QUEUED_ON_REVOKE_ERROR = `queued must be one of: ${QUEUED_ON_REVOKE.join(", ")}`;
export const revokeQuerySchema = z.object({
  queued: z.enum(QUEUED_ON_REVOKE, { error: QUEUED_ON_REVOKE_ERROR }).default("cancel"),
});
