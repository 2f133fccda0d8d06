// The tenancy endpoints of the document: create, list, read, update and revoke tenant keys; the usage report.
import { MODEL_RULE } from "../config/schema";
import { QUEUED_ON_REVOKE, QUEUED_ON_REVOKE_ERROR, revokeQuerySchema } from "../tenants/policy";
import { GROUP_BY_ERROR } from "../tenants/usage-query";
import { queryParameters } from "./json-schema";
import { usageQuery } from "./requests";
import {
  AUTH_ERRORS,
  OPERATOR_ONLY,
  errorResponses,
  jsonResponse,
  parameterRef,
  schemaRef,
} from "./responses";

const keyId = parameterRef("KeyId");
const key = {
  id: "key_3f9a1c0d5e7b2a46",
  name: "billing-service",
  policy: { models: ["haiku", "sonnet"], max_queued: 100, max_running: 2, rate_limit: 5, budget_usd: 20, budget_period: "day" },
  created_at: "2026-11-24T06:05:02.884Z",
  revoked_at: null,
};
const KEY_NOT_FOUND = { 404: { description: "No key with this id", messages: ["key not found"] } };
const POLICY_ERRORS = [
  "invalid JSON body",
  "name must not be empty",
  'name "billing-service" is already taken',
  "policy.color is not a policy field",
  "policy.max_queued must be a positive integer",
  "policy.budget_usd must be a positive number",
  "policy.budget_period is required with policy.budget_usd",
  `policy.models must list only: ${MODEL_RULE}`,
];
const ERRORS = { ...AUTH_ERRORS, ...OPERATOR_ONLY };

const create = {
  operationId: "createKey",
  tags: ["Keys"],
  summary: "Create a tenant key",
  description:
    "A key that sees only its own jobs, limited by its `policy`, with its own webhook secret. The secret (`key`) is " +
    "in this response only: the gateway keeps its SHA-256.",
  requestBody: { required: true, content: { "application/json": { schema: schemaRef("CreateKeyRequest"), example: { name: key.name, policy: key.policy } } } },
  responses: {
    201: jsonResponse("The key, with its secret", "CreatedKey", { ...key, key: "cg_0m1dOvWQ3ik4bq6bJmTqf3hPcoBv7cJxq2Xo3EwzY0k" }),
    ...errorResponses({ 400: { description: "Invalid body", messages: [...POLICY_ERRORS, "name is required"] }, ...ERRORS }),
  },
};

const list = {
  operationId: "listKeys",
  tags: ["Keys"],
  summary: "List tenant keys",
  description: "Every tenant key, revoked ones included, without secrets.",
  responses: { 200: jsonResponse("The keys", "KeyList", { keys: [key] }), ...errorResponses(ERRORS) },
};

const get = {
  operationId: "getKey",
  tags: ["Keys"],
  summary: "Get a tenant key",
  parameters: [keyId],
  responses: { 200: jsonResponse("The key", "Key", key), ...errorResponses({ ...ERRORS, ...KEY_NOT_FOUND }) },
};

const update = {
  operationId: "updateKey",
  tags: ["Keys"],
  summary: "Rename a key, replace its policy, or rotate its webhook secret",
  description: "Takes effect with the key's next request; queued jobs that a raised limit frees start at once.",
  parameters: [keyId],
  requestBody: { required: true, content: { "application/json": { schema: schemaRef("UpdateKeyRequest"), example: { policy: { max_running: 4 } } } } },
  responses: {
    200: jsonResponse("The key", "Key", key),
    ...errorResponses({
      400: { description: "Invalid body", messages: POLICY_ERRORS },
      ...ERRORS,
      ...KEY_NOT_FOUND,
      409: { description: "The key is revoked", messages: ["key is revoked"] },
    }),
  },
};

const revoke = {
  operationId: "revokeKey",
  tags: ["Keys"],
  summary: "Revoke a tenant key",
  description:
    "Effective at once: the key's next request is a `401`, its stream URLs stop working. Its running jobs finish; its " +
    "queued jobs are cancelled (`queued=cancel`, the default) or left to run (`queued=keep`). The key stays listed, " +
    "with `revoked_at`, and its name stays taken.",
  parameters: [
    keyId,
    { name: "queued", in: "query", required: false, description: "What happens to the key's queued jobs", schema: { type: "string", enum: [...QUEUED_ON_REVOKE], default: revokeQuerySchema.parse({}).queued } },
  ],
  responses: {
    200: jsonResponse("The revoked key", "RevokedKey", { ...key, revoked_at: "2026-11-25T09:00:00.000Z", cancelled_jobs: 3 }),
    ...errorResponses({ 400: { description: "Bad `queued`", messages: [QUEUED_ON_REVOKE_ERROR] }, ...ERRORS, ...KEY_NOT_FOUND }),
  },
};

const usage = {
  operationId: "getUsage",
  tags: ["Usage"],
  summary: "Usage by day, model or key",
  description:
    "Jobs, tokens, cost (the CLI's `total_cost_usd`) and run time from the usage ledger, which each run's end adds to: " +
    "it outlives the jobs (`CLAUDEGATE_JOB_TTL_HOURS`). A tenant key gets its own usage, an operator key everyone's.",
  parameters: queryParameters(usageQuery),
  responses: {
    200: jsonResponse("The report", "UsageReport", {
      from: "2026-11-01",
      to: "2026-11-24",
      group_by: "key",
      usage: [
        { key_id: null, key_name: null, jobs: 12, input_tokens: 1200, output_tokens: 5400, cache_creation_input_tokens: 0, cache_read_input_tokens: 800, cost_usd: 0.1834, run_seconds: 96.4 },
        { key_id: key.id, key_name: key.name, jobs: 3, input_tokens: 300, output_tokens: 900, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cost_usd: 0.0412, run_seconds: 20.1 },
      ],
      total: { jobs: 15, input_tokens: 1500, output_tokens: 6300, cache_creation_input_tokens: 0, cache_read_input_tokens: 800, cost_usd: 0.2246, run_seconds: 116.5 },
    }),
    ...errorResponses({
      400: {
        description: "Bad query",
        messages: ["from must be a date YYYY-MM-DD", "from must not be after to", "from and to must be at most 366 days apart", GROUP_BY_ERROR],
      },
      ...AUTH_ERRORS,
    }),
  },
};

export const keyPaths = {
  "/api/v1/usage": { get: usage },
  "/api/v1/keys": { get: list, post: create },
  "/api/v1/keys/{id}": { get, patch: update, delete: revoke },
};
