// The job endpoints of the document: submit, list, read, cancel, delete, stream, events, webhook deliveries.
import * as ex from "./examples";
import { STATUS_FILTER_ERROR } from "../job/list-query";
import { eventsQuery, listQuery } from "./requests";
import { queryParameters } from "./json-schema";
import { MODEL_RULE } from "../config/schema";
import { EVENT_NAMES } from "../events/job-event";
import {
  FILTER_ERROR,
  FORK_WITHOUT_SESSION_ERROR,
  PROMPT_NUL_ERROR,
  RESPONSE_FORMAT_ERROR,
  SYSTEM_PROMPT_NUL_ERROR,
} from "../job/submit-schema";
import { RESTARTING_EVENT } from "../sse/open-streams";
import { EVENT_SCHEMA_NAMES } from "./schemas";
import {
  AUTH_ERRORS,
  JOB_NOT_FOUND,
  errorResponses,
  headerRefs,
  jsonResponse,
  noContent,
  parameterRef,
  schemaRef,
} from "./responses";

const jobId = parameterRef("JobId");

const SUBMIT_ERRORS = [
  "invalid JSON body",
  "prompt must not be empty",
  "prompt must be a string",
  PROMPT_NUL_ERROR,
  `model must be one of: ${MODEL_RULE}`,
  'model "opus" is not allowed (CLAUDEGATE_ALLOWED_MODELS: haiku,claude-sonnet-5)',
  "system_prompt must be a string",
  SYSTEM_PROMPT_NUL_ERROR,
  "callback_url must be a string",
  "callback_url must be an absolute http or https URL",
  FILTER_ERROR,
  RESPONSE_FORMAT_ERROR,
  "json_schema must be a JSON Schema object",
  "json_schema must be at most 100000 bytes as JSON",
  "timeout_seconds must be a positive integer",
  "timeout_seconds must be at most 604800",
  "timeout_seconds must be <= 1800 (CLAUDEGATE_JOB_TIMEOUT_MINUTES)",
  "session_id must be a string",
  "fork must be a boolean",
  FORK_WITHOUT_SESSION_ERROR,
  "json_schema is not a valid JSON Schema: schema is invalid: data/type must be equal to one of the allowed values",
  "max_turns must be a positive integer",
  'tools: "Bash" is not allowed (CLAUDEGATE_ALLOWED_TOOLS: Read,Grep)',
  'tools: "Grep" is not allowed for this key (policy.tools: Read)',
  'permission_mode "bypassPermissions" is not allowed (CLAUDEGATE_ALLOWED_PERMISSION_MODES: default,acceptEdits)',
  'mcp_servers: "shell" is not a server of CLAUDEGATE_MCP_CONFIG',
  "Idempotency-Key must be 1 to 255 printable ASCII characters",
];

const submit = {
  operationId: "submitJob",
  tags: ["Jobs"],
  summary: "Submit a job",
  description:
    "Queues a prompt for the CLI and answers at once with the job (`202`). Follow it by polling `urls.get`, " +
    "streaming `urls.stream`, or a webhook to `callback_url`.",
  parameters: [
    {
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description:
        "Makes a retried submit safe. The same key with the same body returns the original job (and " +
        "`Idempotent-Replayed: true`) instead of creating another; the same key with a different body is a `422`; " +
        "while the first request with the key is still being handled, a `409`. Keys are scoped to the API key and kept 24 h.",
      schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" },
      example: "5c0b6a0e-order-1234",
    },
  ],
  requestBody: {
    required: true,
    content: {
      "application/json": {
        schema: schemaRef("SubmitJobRequest"),
        examples: {
          minimal: { summary: "Just a prompt", value: { prompt: "Explain what a mutex is in one sentence." } },
          full: {
            summary: "Every field",
            value: {
              prompt: "Explain what a mutex is in one sentence.",
              model: "haiku",
              system_prompt: "Be concise.",
              callback_url: "https://example.com/webhook",
              webhook_events_filter: ["completed"],
              metadata: { ticket: 42 },
              response_format: "text",
              timeout_seconds: 120,
            },
          },
          next_turn: { summary: "The next turn of a session", value: { prompt: "And a semaphore?", session_id: "0d6f6f7e-54a4-4f57-9d1e-6c2c4d3b1a10" } },
        },
      },
    },
  },
  responses: {
    202: jsonResponse("Accepted: the job, queued", "Job", ex.queuedJob, {
      Location: headerRefs.location,
      "Idempotent-Replayed": { description: "`true` when this is the stored answer to an earlier request with the same Idempotency-Key", schema: { type: "string", enum: ["true"] } },
    }),
    ...errorResponses({
      400: { description: "The body or a header is invalid (the first problem found)", messages: SUBMIT_ERRORS },
      ...AUTH_ERRORS,
      403: { description: "A tenant key's `policy.models` does not include the model", messages: ['model "opus" is not allowed for this key (policy.models: haiku)'] },
      404: { description: "`session_id` names no session this key may use", messages: ["session not found"] },
      409: { description: "A request with this Idempotency-Key is still being handled", messages: ["a request with this Idempotency-Key is still being handled"] },
      413: { description: "Body over 1 MiB", messages: ["request body must be at most 1048576 bytes"] },
      422: { description: "The Idempotency-Key was used with a different body", messages: ["Idempotency-Key was already used with a different request body"] },
      429: {
        description:
          "Over `CLAUDEGATE_RATE_LIMIT` (or the tenant key's `policy.rate_limit`) for this key; the key's budget for the period is " +
          "spent (`Retry-After`: until the period resets); or the key already has `policy.max_queued` jobs waiting (no `Retry-After`)",
        messages: [
          "rate limit exceeded, slow down",
          "budget exhausted: $20.0133 of $20 this day spent; resets at 2026-11-25T00:00:00.000Z",
          "this key already has 100 jobs queued (policy.max_queued)",
        ],
        headers: { "Retry-After": headerRefs.retryAfter },
      },
      503: { description: "`CLAUDEGATE_QUEUE_SIZE` jobs are already queued; no job was created", messages: ["server busy, retry later"] },
    }),
  },
};

const list = {
  operationId: "listJobs",
  tags: ["Jobs"],
  summary: "List jobs",
  description: "Newest first. The answer echoes the `limit` and `offset` used, after clamping.",
  parameters: queryParameters(listQuery),
  responses: {
    200: jsonResponse("A page of jobs", "JobList", ex.jobList),
    ...errorResponses({
      400: { description: "Unknown status", messages: [STATUS_FILTER_ERROR] },
      ...AUTH_ERRORS,
    }),
  },
};

const get = {
  operationId: "getJob",
  tags: ["Jobs"],
  summary: "Get a job",
  description: "The job's status and, once it has ended, its result or error and the CLI's usage figures.",
  responses: {
    200: jsonResponse("The job", "Job", { completed: { value: ex.completedJob }, failed: { value: ex.failedJob } }, {}, "examples"),
    ...errorResponses({ ...AUTH_ERRORS, ...JOB_NOT_FOUND }),
  },
};

const remove = {
  operationId: "deleteJob",
  tags: ["Jobs"],
  summary: "Delete a job",
  description:
    "Deletes the job in any status; a queued or running job is cancelled first (its CLI is killed). Everything of the job goes " +
    "with it: events, webhook deliveries (pending ones too: no `job.cancelled` webhook is sent) and its Idempotency-Key record.",
  responses: { 204: noContent("Deleted"), ...errorResponses({ ...AUTH_ERRORS, ...JOB_NOT_FOUND }) },
};

const cancel = {
  operationId: "cancelJob",
  tags: ["Jobs"],
  summary: "Cancel a job",
  description: "Cancels a queued or running job; a running job's CLI process group is killed at once.",
  responses: {
    200: jsonResponse("Cancelled", "Cancelled", { status: "cancelled" }),
    ...errorResponses({
      ...AUTH_ERRORS,
      ...JOB_NOT_FOUND,
      409: { description: "The job has already ended", messages: ["job already in terminal state"] },
    }),
  },
};

const sse = {
  operationId: "streamJob",
  tags: ["Streams"],
  summary: "Stream a job's events (SSE)",
  description:
    "Server-Sent Events: the job's history, then live events, ending after `result`. Events: " +
    EVENT_NAMES.map((name) => `\`${name}\` (${EVENT_SCHEMA_NAMES[name]})`).join(", ") +
    "; a fresh connection to a running job first gets one unnumbered `status` with the whole job. A `: ping` comment keeps quiet streams open. " +
    `At shutdown the server ends the stream with \`${RESTARTING_EVENT}\` (no id, \`{"job_id","reason"}\`): reconnect with \`Last-Event-ID\`. ` +
    "Open it with the API key, or with the job's `urls.stream`, whose signed `token` stands in for the key (for `EventSource`).",
  security: [{ ApiKey: [] }, { Bearer: [] }, { StreamToken: [] }],
  parameters: [
    { name: "Last-Event-ID", in: "header", required: false, description: "Resume after this event id (browsers send it on reconnect).", schema: { type: "integer", minimum: 0 }, example: 3 },
    { name: "after", in: "query", required: false, description: "Resume after this event id, for clients that cannot set headers.", schema: { type: "integer", minimum: 0 }, example: 3 },
  ],
  responses: {
    200: {
      description: "The event stream",
      headers: { "X-Request-ID": { $ref: "#/components/headers/RequestId" } },
      content: { "text/event-stream": { schema: { type: "string", description: "`id:`, `event:` and one-line JSON `data:` per event" }, example: ex.sseTranscript } },
    },
    204: noContent("Resumed after the `result` event: nothing more will come (stops EventSource reconnecting)"),
    ...errorResponses({
      400: { description: "Bad resume point", messages: ["Last-Event-ID and after must be a non-negative integer"] },
      401: { description: "No key, a wrong key, or a bad stream token", messages: ["missing X-API-Key header", "invalid API key", "invalid or expired stream token"] },
      ...JOB_NOT_FOUND,
      429: {
        description:
          "Too many streams open: `CLAUDEGATE_MAX_STREAMS_PER_KEY` for this API key (a signed stream URL counts against its job), or `CLAUDEGATE_MAX_STREAMS` on the server. The message names the limit and its value.",
        messages: [
          "too many open streams for this API key (CLAUDEGATE_MAX_STREAMS_PER_KEY=1000)",
          "too many open streams for this job's stream URL (CLAUDEGATE_MAX_STREAMS_PER_KEY=1000)",
          "too many open streams on this server (CLAUDEGATE_MAX_STREAMS=10000)",
        ],
      },
    }),
  },
};

const events = {
  operationId: "listJobEvents",
  tags: ["Streams"],
  summary: "Read a job's events as JSON",
  description: "The stream's history for clients that poll: the same ids, names and payloads. Poll again with `after=<last_id>`.",
  parameters: queryParameters(eventsQuery),
  responses: {
    200: jsonResponse("A page of events", "EventPage", ex.eventPage),
    ...errorResponses({
      400: { description: "Bad query", messages: ["after must be an integer from 0 to 9007199254740991", "limit must be an integer from 1 to 1000"] },
      ...AUTH_ERRORS,
      ...JOB_NOT_FOUND,
    }),
  },
};

const deliveries = {
  operationId: "listDeliveries",
  tags: ["Webhooks"],
  summary: "List a job's webhook deliveries",
  description: "Each delivery and each of its attempts. They are deleted with the job (DELETE, or the TTL cleanup), pending ones included.",
  responses: { 200: jsonResponse("The deliveries", "DeliveryList", ex.deliveryList), ...errorResponses({ ...AUTH_ERRORS, ...JOB_NOT_FOUND }) },
};

const retry = {
  operationId: "retryDelivery",
  tags: ["Webhooks"],
  summary: "Send a delivery again",
  description: "Sends a delivered or given-up delivery once more, with the same `webhook-id`.",
  parameters: [{ name: "deliveryId", in: "path", required: true, description: "The delivery's `id` (`msg_…`)", schema: { type: "string" }, example: ex.delivery.id }],
  responses: {
    202: jsonResponse("Queued for sending", "Delivery", { ...ex.delivery, status: "pending", next_attempt_at: "2026-11-24T06:06:00.000Z", attempts: [] }),
    ...errorResponses({
      ...AUTH_ERRORS,
      404: { description: "No such delivery for this job", messages: ["delivery not found"] },
      409: { description: "The delivery is still being tried", messages: ["delivery is still pending"] },
    }),
  },
};

export const jobPaths = {
  "/api/v1/jobs": { get: list, post: submit },
  "/api/v1/jobs/{id}": { parameters: [jobId], get, delete: remove },
  "/api/v1/jobs/{id}/cancel": { parameters: [jobId], post: cancel },
  "/api/v1/jobs/{id}/sse": { parameters: [jobId], get: sse },
  "/api/v1/jobs/{id}/events": { parameters: [jobId], get: events },
  "/api/v1/jobs/{id}/deliveries": { parameters: [jobId], get: deliveries },
  "/api/v1/jobs/{id}/deliveries/{deliveryId}/retry": { parameters: [jobId], post: retry },
};
