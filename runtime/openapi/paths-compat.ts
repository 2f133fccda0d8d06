// The OpenAI- and Anthropic-compatible endpoints of the document. Their errors are in each API's own shape
// (runtime/compat/errors.ts renders them; the examples here are rendered by the same function).
import { errorBody, type CompatFault, type Dialect } from "../compat/errors";
import { resolveModel } from "../compat/models";
import { errorResponse, headerRefs, schemaRef } from "./responses";

type Obj = Record<string, unknown>;

const JOB_ID = {
  description: "The id of the job this request became: `GET /api/v1/jobs/{id}` has it, with its answer once ended",
  schema: { type: "string", format: "uuid" },
};
const ERROR_SCHEMA: Record<Dialect, string> = { openai: "OpenAIError", anthropic: "AnthropicError" };
const RETRY_AFTER = { "Retry-After": headerRefs.retryAfter };

/** Error responses in a dialect, with one example per fault; statuses as the dialect answers them. */
function compatErrors(dialect: Dialect, faults: (CompatFault & { description: string; headers?: Obj })[]): Obj {
  const byStatus = new Map<number, typeof faults>();
  for (const f of faults) {
    const { status } = errorBody(dialect, f);
    byStatus.set(status, [...(byStatus.get(status) ?? []), f]);
  }
  const out: Obj = {};
  for (const [status, same] of byStatus) {
    const bodies = same.map((f) => ({ summary: f.message, value: errorBody(dialect, f).body }));
    out[status] = errorResponse(same[0]!.description, ERROR_SCHEMA[dialect], bodies, same[0]!.headers);
  }
  return out;
}

const UNKNOWN_MODEL = (() => {
  const r = resolveModel("gpt-4o");
  if (r.ok) throw new Error("gpt-4o is not a model name");
  return r.fault;
})();

const shared = (missingKey: string): (CompatFault & { description: string; headers?: Obj })[] => [
  { status: 401, message: missingKey, description: "No API key, or a wrong one" },
  { status: 401, message: "invalid API key", description: "No API key, or a wrong one" },
  { ...UNKNOWN_MODEL, description: "An unknown model, or one CLAUDEGATE_ALLOWED_MODELS leaves out" },
  { status: 403, message: 'model "opus" is not allowed for this key (policy.models: haiku)', description: "A model the tenant key's policy.models leaves out" },
  { status: 413, message: "request body must be at most 1048576 bytes", description: "Body over 1 MiB" },
  { status: 429, message: "rate limit exceeded, slow down", description: "Over `CLAUDEGATE_RATE_LIMIT` (or the key's policy.rate_limit), or the tenant key's budget is spent", headers: RETRY_AFTER },
  { status: 429, message: "budget exhausted: $0.6000 of $0.5 this day spent; resets at 2026-11-30T00:00:00.000Z", description: "Over `CLAUDEGATE_RATE_LIMIT` (or the key's policy.rate_limit), or the tenant key's budget is spent", headers: RETRY_AFTER },
  { status: 503, message: "server busy, retry later", description: "The queue is full (`CLAUDEGATE_QUEUE_SIZE`); no job was created" },
  { status: 502, message: "job 3479044e-64ff-4f0d-8cd3-d0b06a93d07f failed: API Error: 400 ...", code: "api_error", description: "The job failed (the CLI or the upstream API); `x-should-retry: false`" },
  { status: 504, message: "job 3479044e-64ff-4f0d-8cd3-d0b06a93d07f failed: job timed out after 5m", code: "timeout", description: "The job ran out of time; `x-should-retry: false`" },
  { status: 409, message: "job 3479044e-64ff-4f0d-8cd3-d0b06a93d07f cancelled: cancelled by client", code: "cancelled", description: "The job was cancelled meanwhile; `x-should-retry: false`" },
];

const CONTINUES =
  "When everything before the last user message is a conversation the gateway answered for the same key (same " +
  "system prompt, same messages, the last assistant message exactly that job's answer), the new message continues " +
  "that job's session (the CLI resumes it); otherwise the earlier messages are given as a transcript " +
  "(README: \"How a conversation continues a session\").";

const chat = {
  operationId: "createChatCompletion",
  tags: ["Compatible APIs"],
  summary: "OpenAI Chat Completions",
  description:
    "Runs the conversation as a job (visible in the job API; its id in `X-ClaudeGate-Job-ID`) and answers in OpenAI's " +
    "shape: a `chat.completion`, or with `stream: true` Server-Sent Events of `chat.completion.chunk` objects ending " +
    "with `data: [DONE]` (a failure mid-stream is a data line with `error`). Use the `openai` SDK with `baseURL` " +
    "`<gateway>/v1`. " + CONTINUES,
  security: [{ Bearer: [] }, { ApiKey: [] }],
  requestBody: {
    required: true,
    content: {
      "application/json": {
        schema: schemaRef("ChatCompletionRequest"),
        example: { model: "haiku", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "What is a mutex?" }] },
      },
    },
  },
  responses: {
    200: {
      description: "The answer (JSON), or its stream (`stream: true`)",
      headers: { "X-ClaudeGate-Job-ID": JOB_ID },
      content: {
        "application/json": { schema: schemaRef("ChatCompletion") },
        "text/event-stream": { schema: { type: "string", description: "`data: <ChatCompletionChunk JSON>` lines, then `data: [DONE]`" } },
      },
    },
    ...compatErrors("openai", [
      { status: 400, message: "n must be 1: this gateway returns one choice per request", param: "n", description: "Invalid, or asks for what the gateway does not do" },
      { status: 400, message: "tool and function calling is not supported by this gateway", param: "tools", description: "Invalid, or asks for what the gateway does not do" },
      { status: 400, message: "image inputs are not supported by this gateway", param: "messages[0].content[1]", description: "Invalid, or asks for what the gateway does not do" },
      ...shared("missing API key: send Authorization: Bearer <key>"),
    ]),
  },
};

const messages = {
  operationId: "createMessage",
  tags: ["Compatible APIs"],
  summary: "Anthropic Messages",
  description:
    "Runs the conversation as a job (visible in the job API; its id in `X-ClaudeGate-Job-ID`) and answers in " +
    "Anthropic's shape: a `message`, or with `stream: true` the Messages API's events (`message_start` … " +
    "`message_stop`, `ping`; `event: error` on failure). A full queue is `529 overloaded_error`. Use the " +
    "`@anthropic-ai/sdk` with `baseURL` `<gateway>`. " + CONTINUES,
  security: [{ ApiKey: [] }, { Bearer: [] }],
  requestBody: {
    required: true,
    content: {
      "application/json": {
        schema: schemaRef("MessagesRequest"),
        example: { model: "haiku", max_tokens: 1024, system: "Be brief.", messages: [{ role: "user", content: "What is a mutex?" }] },
      },
    },
  },
  responses: {
    200: {
      description: "The answer (JSON), or its stream (`stream: true`)",
      headers: { "X-ClaudeGate-Job-ID": JOB_ID },
      content: {
        "application/json": { schema: schemaRef("AnthropicMessage") },
        "text/event-stream": { schema: { type: "string", description: "`event:` and `data:` per Messages API stream event" } },
      },
    },
    ...compatErrors("anthropic", [
      { status: 400, message: "max_tokens is required", param: "max_tokens", description: "Invalid, or asks for what the gateway does not do" },
      { status: 400, message: "tool use is not supported by this gateway", param: "tools", description: "Invalid, or asks for what the gateway does not do" },
      ...shared("missing x-api-key header"),
    ]),
  },
};

const models = {
  operationId: "listModels",
  tags: ["Compatible APIs"],
  summary: "Models of the compatible APIs",
  description:
    "The models this key may use: `CLAUDEGATE_ALLOWED_MODELS` when set (operator-defined ids included), else the " +
    "aliases (full model ids `claude-...` are accepted too, though not listed), narrowed by a tenant key's " +
    "`policy.models`. In Anthropic's shape when the request has an `anthropic-version` header (its SDKs send one), " +
    "else in OpenAI's; errors likewise.",
  security: [{ Bearer: [] }, { ApiKey: [] }],
  responses: {
    200: {
      description: "The models",
      content: { "application/json": { schema: { oneOf: [schemaRef("OpenAIModelList"), schemaRef("AnthropicModelList")] } } },
    },
    401: {
      description: "No API key, or a wrong one",
      content: { "application/json": { schema: { oneOf: [schemaRef("OpenAIError"), schemaRef("AnthropicError")] } } },
    },
  },
};

export const compatPaths = {
  "/v1/chat/completions": { post: chat },
  "/v1/messages": { post: messages },
  "/v1/models": { get: models },
};
