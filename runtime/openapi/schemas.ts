// Zod schemas of what the API answers. The handlers build these bodies by hand (job JSON is spliced as raw
// text so metadata survives byte for byte), so nothing validates against these at run time: they exist to
// generate the OpenAPI document, and the end-to-end tests parse real responses with them so they stay true.
import { z } from "zod";
import { MODEL_RULE, modelSchema } from "../config/schema";
import { ERROR_CODES, RESPONSE_FORMATS, type Retrying, STATUSES, TERMINAL_STATUSES, type TerminalStatus, WEBHOOK_EVENTS } from "../job/job";
import { DELIVERY_STATUSES, DELIVERY_TYPES } from "../webhooks/outbox";
import { HEALTH_STATUSES } from "../health/check";
import { CLAUDE_AUTH_STATES } from "../health/credentials";
import { PAUSE_SOURCES } from "../queue/queue-pause";
import { agentOptionsShape } from "../job/agent-options";
import { EVENT_NAMES, type EventName } from "../events/job-event";
import { SANDBOX_MODES_BY_STRENGTH } from "../sandbox/modes";
import { count, timestamp } from "./schema-parts";
import { DIALECTS } from "../store/sql/sql";
import { createdKeySchema, keyListSchema, keyPolicySchema, keySchema, revokedKeySchema, usageReportSchema } from "./schemas-keys";
import { fileListSchema, sessionListSchema, sessionSchema, sessionSummarySchema, workspaceFileSchema } from "./schemas-sessions";

/** A job shows its agent options as they were accepted (present when given). */
const agentOptionFields = Object.fromEntries(
  Object.entries(agentOptionsShape).map(([k, v]) => [k, (v as z.ZodType).describe("As accepted at submit (present when given)")]),
) as typeof agentOptionsShape;

export const errorSchema = z
  .object({ error: z.string().describe("Human-readable reason") })
  .describe("Every error the API returns has this shape.");

export const jobUrlsSchema = z
  .object({
    get: z.string().describe("Path of this job"),
    cancel: z.string().describe("Path that cancels this job (POST)"),
    stream: z.string().describe("Path of the job's SSE stream with a signed, expiring `token`: works in `EventSource` without a key"),
  })
  .describe("Relative paths; `stream` is fresh on every response.");

/** `satisfies` keeps these fields those of `Retrying` (runtime/job/job.ts), which the runtime writes. */
export const retryingSchema = z
  .object({ attempt: z.int(), max_retries: z.int(), delay_ms: z.number(), error_status: z.int().nullable() } satisfies {
    [K in keyof Retrying]-?: z.ZodType<Retrying[K]>;
  })
  .describe("The CLI's report that it is retrying a failed API call");

export const jobSchema = z
  .object({
    job_id: z.uuid(),
    prompt: z.string(),
    system_prompt: z.string().optional().describe("Present when not empty"),
    model: modelSchema(MODEL_RULE).describe("An alias, or a full model id (`claude-...`), as submitted (or the server's default)"),
    status: z.enum(STATUSES),
    result: z.string().optional().describe("The CLI's final answer, when not empty"),
    error: z.string().optional().describe("Why the job failed or was cancelled"),
    error_code: z.enum(ERROR_CODES).optional().describe("Machine-readable kind of `error`"),
    callback_url: z.string().optional(),
    webhook_events_filter: z.array(z.enum(WEBHOOK_EVENTS)).optional().describe("Present with `callback_url`"),
    metadata: z.unknown().optional().describe("Any JSON value, returned as it was sent (present when it was given, `null` included)"),
    response_format: z.enum(RESPONSE_FORMATS).optional(),
    json_schema: z.record(z.string(), z.unknown()).optional().describe("The structured-output schema, as sent (present when given)"),
    timeout_seconds: z.int().min(1).optional(),
    ...agentOptionFields,
    attempts: count.describe("Runs started for this job; 0 while it waits for its first"),
    retrying: retryingSchema.optional().describe("While `processing`: the CLI is retrying a failed API call (its latest report)"),
    created_at: timestamp,
    started_at: timestamp.optional().describe("When the current run started"),
    completed_at: timestamp.optional(),
    usage: z.record(z.string(), z.unknown()).optional().describe("The CLI's usage object, passed through as is"),
    cost_usd: z.number().optional(),
    duration_ms: count.optional(),
    num_turns: count.optional(),
    tool_calls: count.optional().describe("Tool calls the run made (present when it made any)"),
    session_id: z.string().describe("The session this job is a turn of (the gateway's id: send it as `session_id` to continue)"),
    fork: z.literal(true).optional().describe("Present on the first turn of a session forked from another"),
    cli_session_id: z.string().optional().describe("The CLI's own id of the conversation (its result line's `session_id`), once the run reported it"),
    key_id: z.string().optional().describe("The tenant key that submitted the job; absent for operator keys' jobs"),
    urls: jobUrlsSchema,
  })
  .describe("A job. Keys whose value is empty or absent are left out.");

export const jobListSchema = z.object({
  jobs: z.array(jobSchema).describe("Newest first"),
  limit: z.int().min(1).max(100).describe("The limit used, after clamping"),
  offset: count.describe("The offset used, after clamping"),
  total: count.describe("Jobs matching the `status` filter"),
});

export const cancelledSchema = z.object({ status: z.literal("cancelled") });

export const statusEventSchema = z
  .object({
    job_id: z.uuid(),
    status: z.enum(STATUSES),
    attempt: z.int().min(1).optional().describe("With `processing`: which run started"),
    retrying: retryingSchema.optional().describe("The CLI is retrying a failed API call"),
    reason: z.string().optional().describe("Why the job went back to the queue"),
  })
  .describe("`status` event");
export const chunkEventSchema = z.object({ job_id: z.uuid(), text: z.string() }).describe("`chunk` event: answer text as it is written");
export const toolUseEventSchema = z
  .object({
    job_id: z.uuid(),
    name: z.string().describe("The tool's name"),
    tool_use_id: z.string(),
    input: z.string().describe("The tool's input as JSON text, cut at 2000 characters (then followed by `… (N characters)`)"),
  })
  .describe("`tool_use` event: the model called a tool");
export const toolResultEventSchema = z
  .object({
    job_id: z.uuid(),
    tool_use_id: z.string().describe("The `tool_use` this answers"),
    output: z.string().describe("The tool's output as text, cut at 2000 characters"),
    is_error: z.boolean(),
  })
  .describe("`tool_result` event: what a tool call gave back");
export const resultEventSchema = z
  .object({ job_id: z.uuid(), status: z.enum(TERMINAL_STATUSES), result: z.string(), error: z.string() })
  .describe("`result` event: always the last one");

const storedEvent = <N extends string>(event: N, data: z.ZodType) =>
  z.object({
    id: z.int().min(1).describe("Per-job sequence number: the SSE `id:`"),
    event: z.literal(event),
    data,
    created_at: timestamp,
  });

/** The payload of each event name: every name of EVENT_NAMES has one (the compiler checks it). */
const EVENT_PAYLOADS = {
  status: statusEventSchema,
  chunk: chunkEventSchema,
  tool_use: toolUseEventSchema,
  tool_result: toolResultEventSchema,
  result: resultEventSchema,
} satisfies Record<EventName, z.ZodType>;

/** The component name of each event's payload schema, for the stream's description (every name has one). */
export const EVENT_SCHEMA_NAMES = {
  status: "StatusEvent",
  chunk: "ChunkEvent",
  tool_use: "ToolUseEvent",
  tool_result: "ToolResultEvent",
  result: "ResultEvent",
} as const satisfies Record<EventName, keyof typeof responseSchemas>;

export const storedEventSchema = z
  .discriminatedUnion(
    "event",
    EVENT_NAMES.map((name) => storedEvent(name, EVENT_PAYLOADS[name])) as unknown as [ReturnType<typeof storedEvent>, ...ReturnType<typeof storedEvent>[]],
  )
  .describe("One event of a job's stream, with the same id, name and payload as over SSE");

export const eventPageSchema = z.object({
  job_id: z.uuid(),
  events: z.array(storedEventSchema),
  last_id: count.describe("Pass as `after` to get the next page"),
  has_more: z.boolean(),
  done: z.boolean().describe("The job has ended and this page holds its last event: there is nothing more to fetch"),
});

export const deliverySchema = z.object({
  id: z.string().describe("`msg_…`, the `webhook-id` header of every attempt"),
  job_id: z.uuid(),
  type: z.enum(DELIVERY_TYPES),
  url: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempt_count: count,
  max_attempts: z.int().min(1),
  next_attempt_at: timestamp.nullable(),
  last_error: z.string().nullable(),
  created_at: timestamp,
  delivered_at: timestamp.nullable(),
  attempts: z.array(
    z.object({ n: z.int().min(1), at: timestamp, status_code: z.int().nullable(), error: z.string().nullable(), duration_ms: count }),
  ),
});

export const deliveryListSchema = z.object({ job_id: z.uuid(), deliveries: z.array(deliverySchema) });

export const pauseStateSchema = z
  .union([
    z.object({ paused: z.literal(false) }),
    z.object({
      paused: z.literal(true),
      paused_until: timestamp.nullable().describe("`null`: until resumed"),
      reason: z.string(),
      source: z.enum(PAUSE_SOURCES),
      since: timestamp,
    }),
  ])
  .describe("Whether the queue is paused");

export const statsSchema = z.object({
  queue: z.record(z.enum(STATUSES), count).describe("Jobs by status"),
  pause: pauseStateSchema,
  running_clis: count,
  concurrency: z.int().min(1),
  queue_size: z.int().min(1),
  stream_subscribers: count.describe("Open SSE streams"),
  cli_version: z.string().nullable(),
  started_at: timestamp,
  uptime_seconds: count,
  database: z.enum(DIALECTS).describe("The database every instance shares: `sqlite` (one gateway) or `postgres` (a cluster)"),
  instance_id: z.string().describe("The instance that answered (running_clis, stream_subscribers, cli_version and uptime are its own)"),
  instances: z
    .array(
      z.object({
        id: z.string(),
        host: z.string(),
        pid: z.int(),
        started_at: timestamp,
        last_heartbeat: timestamp,
        running_jobs: count.describe("Jobs whose lease this instance holds"),
      }),
    )
    .describe("Every instance heard from within three leases, oldest first (one for SQLite)"),
});

export const timelineSchema = z.object({
  minutes: z.int().min(1),
  bucket_seconds: z.literal(60),
  from: timestamp.describe("Start of the first minute"),
  to: timestamp.describe("Now"),
  buckets: z
    .array(
      z.object({
        at: timestamp.describe("Start of the minute"),
        queued: count.describe("Jobs waiting at the end of the minute (the last one: now)"),
        running: count.describe("Jobs running at the end of the minute"),
        ...(Object.fromEntries(TERMINAL_STATUSES.map((s) => [s, count.describe(`Jobs that ended \`${s}\` during the minute`)])) as Record<
          TerminalStatus,
          typeof count
        >),
      }),
    )
    .describe("One per minute, oldest first"),
  queue: z.record(z.enum(STATUSES), count).describe("Jobs by status now"),
  running_clis: count.describe("CLI processes this instance runs now"),
  concurrency: z.int().min(1),
  pause: pauseStateSchema,
});

export const healthSchema = z.object({
  status: z.enum(HEALTH_STATUSES),
  reason: z.string().optional().describe("Only when degraded, and only to a request with a valid key"),
  claude_auth: z.enum(CLAUDE_AUTH_STATES),
  token_expires_at: z.string().optional(),
  token_expires_in: z.string().optional().describe("Go duration, e.g. `7h30m0s`; time since expiry once expired"),
  paused_until: z.string().optional().describe("A timestamp, or `until resumed`; only while the queue is paused, to a request with a valid key"),
  paused_reason: z.string().optional().describe("Only while the queue is paused, to a request with a valid key"),
  sandbox: z.enum(SANDBOX_MODES_BY_STRENGTH).optional().describe("The sandbox every CLI run starts in (`CLAUDEGATE_SANDBOX`); only to a request with a valid key"),
  sandbox_reason: z.string().optional().describe("Why that mode: the start-up probe's verdict; only to a request with a valid key"),
  database: z.enum(DIALECTS).optional().describe("The database this gateway keeps everything in; only to a request with a valid key"),
  instance_id: z.string().optional().describe("The gateway that answered (one of several behind a load balancer); only to a request with a valid key"),
});

export const webhookSecretSchema = z.object({ secret: z.string().describe("`whsec_<base64>`") });

/** Every response body, by the name it has under `components.schemas`. */
export const responseSchemas = {
  Error: errorSchema,
  Job: jobSchema,
  JobUrls: jobUrlsSchema,
  Retrying: retryingSchema,
  JobList: jobListSchema,
  Cancelled: cancelledSchema,
  StatusEvent: statusEventSchema,
  ChunkEvent: chunkEventSchema,
  ToolUseEvent: toolUseEventSchema,
  ToolResultEvent: toolResultEventSchema,
  ResultEvent: resultEventSchema,
  StoredEvent: storedEventSchema,
  EventPage: eventPageSchema,
  Delivery: deliverySchema,
  DeliveryList: deliveryListSchema,
  PauseState: pauseStateSchema,
  Stats: statsSchema,
  Timeline: timelineSchema,
  Health: healthSchema,
  WebhookSecret: webhookSecretSchema,
  KeyPolicy: keyPolicySchema,
  Key: keySchema,
  CreatedKey: createdKeySchema,
  KeyList: keyListSchema,
  RevokedKey: revokedKeySchema,
  UsageReport: usageReportSchema,
  SessionSummary: sessionSummarySchema,
  Session: sessionSchema,
  SessionList: sessionListSchema,
  WorkspaceFile: workspaceFileSchema,
  FileList: fileListSchema,
} as const;
