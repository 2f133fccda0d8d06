// The request schemas the handlers validate with, with descriptions and examples added for the document.
// `.meta()` returns a copy, so the handlers' schemas are untouched, and a field added to them shows up in the
// document by itself (a test fails if it has no description).
import { z } from "zod";
import { eventsQuerySchema } from "../events/events-query";
import { listQuerySchema } from "../job/list-query";
import { MAX_TIMEOUT_SECONDS, submitSchema } from "../job/submit-schema";
import { MAX_PAUSE_SECONDS, pauseSchema } from "../queue/pause-schema";
import { MAX_TIMELINE_MINUTES, timelineQuerySchema } from "../health/timeline";
import { createKeySchema, updateKeySchema } from "../tenants/policy";
import { sessionListQuerySchema } from "../session/session-list-query";
import { MAX_USAGE_DAYS, usageQuerySchema } from "../tenants/usage-query";

type Meta = z.core.GlobalMeta;

/** The object schema with `meta` merged into the fields it names. */
function documented<T extends z.ZodObject>(schema: T, meta: { [K in keyof T["shape"]]?: Meta }): z.ZodObject {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => [key, meta[key] ? (field as z.ZodType).meta(meta[key]!) : field]),
  );
  return schema.extend(shape);
}

export const submitRequest = documented(submitSchema, {
  prompt: { description: "The prompt, sent to the CLI on stdin. Must contain something other than whitespace, and no NUL character.", examples: ["Explain what a mutex is in one sentence."] },
  model: { description: "Model alias. Empty or absent: the server's `CLAUDEGATE_DEFAULT_MODEL`.", examples: ["haiku"] },
  system_prompt: { description: "Added after the gateway's own system prompt; given to the CLI in a private file. No NUL character.", examples: ["Be concise."] },
  callback_url: { description: "Absolute http(s) URL that gets a signed webhook when the job ends.", examples: ["https://example.com/webhook"] },
  metadata: { description: "Any JSON value. Stored and returned as sent (numbers keep their digits).", examples: [{ ticket: 42 }] },
  webhook_events_filter: { description: 'Which webhooks to send; default `["completed"]` (any end).', examples: [["started", "completed"]] },
  response_format: { description: "`json` asks for raw JSON and fails the job with `invalid_json` when the result is not JSON." },
  json_schema: {
    description:
      "A JSON Schema for the CLI's structured output (`--json-schema`): the result is the object the model produced, as JSON text; none fails the job with `invalid_json`. The gateway compiles the schema with Ajv (draft 2020-12; a schema that does not compile is a `400`) and validates the output against it: output that does not match fails the job with `schema_mismatch`.",
    examples: [{ type: "object", properties: { answer: { type: "integer" } }, required: ["answer"] }],
  },
  timeout_seconds: {
    description:
      `Time limit of this job's run, 1–${MAX_TIMEOUT_SECONDS} s. When the operator sets \`CLAUDEGATE_JOB_TIMEOUT_MINUTES\`, ` +
      "that is the ceiling: this may only shorten it, and a longer value is a `400` naming the maximum in seconds.",
    examples: [120],
  },
  session_id: {
    description:
      "Continue this session: the job is its next turn, and the CLI resumes the stored conversation. Turns of one session run one " +
      "at a time, in submission order. Absent: the job starts a new session (its `session_id` is in the answer). Unknown, or " +
      "another tenant's: `404`.",
    examples: ["0d6f6f7e-54a4-4f57-9d1e-6c2c4d3b1a10"],
  },
  fork: {
    description:
      "With `session_id`: branch a new session from it (`--fork-session`); the original's history stays as it is. The fork starts " +
      "from the original's transcript as stored when the fork runs (it waits for a turn of the original that is running).",
    examples: [true],
  },
  max_turns: { description: "Most agentic turns of the run (`--max-turns`), 1–1000.", examples: [5] },
  max_budget_usd: { description: "Most dollars the run may spend on API calls (`--max-budget-usd`).", examples: [0.5] },
  fallback_model: { description: "Model the CLI falls back to when the main one is overloaded (`--fallback-model`); a tenant key's `policy.models` applies.", examples: ["sonnet"] },
  effort: { description: "Effort level (`--effort`).", examples: ["high"] },
  append_system_prompt: { description: "Appended to the system prompt (`--append-system-prompt-file`, from a private file). No NUL character.", examples: ["Answer in French."] },
  tools: {
    description:
      "The tools the run gets, replacing the operator's list: each must be in `CLAUDEGATE_ALLOWED_TOOLS` and, for a tenant key with " +
      "`policy.tools`, in that too (else `400` naming the tool). `[]`: no tools. Absent: the operator's list (narrowed to the key's `policy.tools`).",
    examples: [["Read", "Grep"]],
  },
  permission_mode: { description: "The CLI's permission mode (`--permission-mode`), one the operator lists in `CLAUDEGATE_ALLOWED_PERMISSION_MODES` (else `400`).", examples: ["acceptEdits"] },
  mcp_servers: {
    description:
      "Names of MCP servers the operator defined in `CLAUDEGATE_MCP_CONFIG`; only these are given to the run (`--mcp-config` with " +
      "`--strict-mcp-config`). A name not defined there is a `400`. A client never supplies a server's command.",
    examples: [["docs-search"]],
  },
}).describe("Unknown fields are ignored. Validation stops at the first problem, in the order of the fields.");

// Query values arrive as strings and are coerced by transforms, which JSON Schema cannot show: the types and
// ranges they accept are stated here.
export const listQuery = documented(listQuerySchema, {
  limit: { type: "integer", description: "Page size. Not an integer, or 0 or less: 20. Over 100: 100. Default 20." },
  offset: { type: "integer", description: "Jobs to skip. Not an integer or negative: 0. Default 0." },
  status: { description: "Only jobs in this status. Empty: all." },
});

export const sessionListQuery = documented(sessionListQuerySchema, {
  limit: { type: "integer", description: "Page size. Not an integer, or 0 or less: 20. Over 100: 100. Default 20." },
  offset: { type: "integer", description: "Sessions to skip. Not an integer or negative: 0. Default 0." },
});

export const eventsQuery = documented(eventsQuerySchema, {
  after: { type: "integer", minimum: 0, description: "Return events with an id greater than this. Default 0." },
  limit: { type: "integer", minimum: 1, maximum: 1000, description: "Page size, 1–1000. Default 100." },
});

export const timelineQuery = documented(timelineQuerySchema, {
  minutes: { type: "integer", minimum: 1, maximum: MAX_TIMELINE_MINUTES, description: `How many minutes back, 1–${MAX_TIMELINE_MINUTES}. Default 60.` },
});

export const pauseRequest = documented(pauseSchema, {
  seconds: { description: `How long to pause, 1–${MAX_PAUSE_SECONDS} s. Absent: until resumed.`, examples: [600] },
  reason: { description: "Shown in stats, and in health to requests with a key. Default `paused by an operator`.", examples: ["maintenance"] },
}).describe("Both fields are optional; an empty body pauses until resumed.");

export const createKeyRequest = documented(createKeySchema, {
  name: { description: "Unique among all keys (revoked ones included), 1–100 characters.", examples: ["billing-service"] },
  policy: { description: "Limits of the key; see `KeyPolicy`. Unknown fields are refused." },
});

export const updateKeyRequest = documented(updateKeySchema, {
  name: { description: "A new unique name." },
  policy: { description: "Replaces the whole policy (`{}` removes every limit)." },
  rotate_webhook_secret: {
    description: "`true` gives the key a new webhook secret: every delivery attempt from now on is signed with it (pending retries included).",
  },
}).describe("Any of the fields; absent fields stay as they are.");

// The query schema ends in a transform (defaults that depend on each other), so its input shape is documented
// from the object inside it.
export const usageQuery = documented(usageQuerySchema.in as unknown as z.ZodObject, {
  from: { type: "string", format: "date", description: "First UTC day, included. Default: 29 days before `to`." },
  to: { type: "string", format: "date", description: `Last UTC day, included. Default: today. At most ${MAX_USAGE_DAYS} days after \`from\`.` },
  group_by: { description: "One row per day, per model, or per key. Default `day`." },
});

/** Body and query schemas by the name they have under `components.schemas` (only bodies are referenced). */
export const requestSchemas = {
  SubmitJobRequest: submitRequest,
  PauseRequest: pauseRequest,
  CreateKeyRequest: createKeyRequest,
  UpdateKeyRequest: updateKeyRequest,
} as const;
