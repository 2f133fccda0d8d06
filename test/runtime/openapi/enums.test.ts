// Every enumeration the API exposes is defined once, in the runtime, and the OpenAPI document shows exactly that
// list wherever the value appears: a list copied by hand into the document (and left behind when the runtime
// grew a value) fails here. Also: every field the API writes into a job is in the document's Job schema.
import { describe, expect, it } from "vitest";
import { version } from "../../../package.json";
import { EFFORTS, PERMISSION_MODES } from "../../../runtime/cli/cli-options";
import { ANTHROPIC_STOP_REASON } from "../../../runtime/compat/anthropic-answer";
import { ANTHROPIC_ERROR_TYPES, errorBody, OPENAI_ERROR_TYPES } from "../../../runtime/compat/errors";
import { OPENAI_FINISH_REASON } from "../../../runtime/compat/openai-answer";
import { OPENAI_RESPONSE_FORMATS, OPENAI_ROLES } from "../../../runtime/compat/openai-request";
import { TURN_ROLES } from "../../../runtime/compat/transcript";
import { MODELS } from "../../../runtime/config/schema";
import { EVENT_NAMES } from "../../../runtime/events/job-event";
import { HEALTH_STATUSES } from "../../../runtime/health/check";
import { CLAUDE_AUTH_STATES } from "../../../runtime/health/credentials";
import type { AgentOptions } from "../../../runtime/job/agent-options";
import { ERROR_CODES, type Job, jobToJson, RESPONSE_FORMATS, STATUSES, TERMINAL_STATUSES, WEBHOOK_EVENTS } from "../../../runtime/job/job";
import { buildOpenApiDocument } from "../../../runtime/openapi/document";
import { jobSchema } from "../../../runtime/openapi/schemas";
import { PAUSE_SOURCES } from "../../../runtime/queue/queue-pause";
import { RESTARTING_EVENT } from "../../../runtime/sse/open-streams";
import { SANDBOX_MODES_BY_STRENGTH } from "../../../runtime/sandbox/modes";
import { DIALECTS } from "../../../runtime/store/sql/sql";
import { BUDGET_PERIODS, QUEUED_ON_REVOKE } from "../../../runtime/tenants/policy";
import { USAGE_GROUPS } from "../../../runtime/tenants/usage-ledger";
import { DELIVERY_STATUSES, DELIVERY_TYPES } from "../../../runtime/webhooks/outbox";

type Node = Record<string, any>;
const doc = buildOpenApiDocument(version) as Node;

/** The node a `$ref` points at, or the node itself. */
const deref = (n: Node): Node => (typeof n.$ref === "string" ? deref(n.$ref.slice(2).split("/").reduce((o: Node, k: string) => o[k], doc)) : n);

/** The schema at `path` under a component: property names, `[]` for array items, `{}` for record keys. */
function schemaAt(component: string, ...path: string[]): Node {
  let n = deref(doc.components.schemas[component]);
  for (const step of path) n = deref(step === "[]" ? n.items : step === "{}" ? n.propertyNames : n.properties[step]);
  return n;
}

/** A parameter's schema. */
const paramAt = (path: string, method: string, name: string): Node =>
  deref(doc.paths[path][method].parameters.find((p: Node) => deref(p).name === name)).schema;

/** Nodes whose `enum` a check read: every `enum` of the document must be one of them. */
const checked = new Set<Node>();

/** The values a schema allows by name: its `enum` or `const` (`null` for `type: null`), or those of its alternatives. */
function valuesOf(n: Node): unknown[] {
  if (Array.isArray(n.enum)) return (checked.add(n), n.enum);
  if ("const" in n) return [n.const];
  if (n.type === "null") return [null];
  const alternatives = (n.anyOf ?? n.oneOf) as Node[] | undefined;
  return alternatives ? alternatives.flatMap((a) => valuesOf(deref(a))) : [];
}

/** Each enumeration, and every place the document shows it. */
const ENUMERATIONS: [string, readonly unknown[], Node[]][] = [
  ["job statuses", STATUSES, [schemaAt("Job", "status"), schemaAt("StatusEvent", "status"), schemaAt("Stats", "queue", "{}"), schemaAt("Timeline", "queue", "{}"), schemaAt("Session", "turns", "[]", "status")]],
  ["status filter of the job list", ["", ...STATUSES], [paramAt("/api/v1/jobs", "get", "status")]],
  ["terminal statuses", TERMINAL_STATUSES, [schemaAt("ResultEvent", "status")]],
  ["error codes", ERROR_CODES, [schemaAt("Job", "error_code"), schemaAt("Session", "turns", "[]", "error_code")]],
  ["webhook events", WEBHOOK_EVENTS, [schemaAt("Job", "webhook_events_filter", "[]"), schemaAt("SubmitJobRequest", "webhook_events_filter", "[]")]],
  ["response formats", RESPONSE_FORMATS, [schemaAt("Job", "response_format")]],
  ["response formats as submitted", ["", ...RESPONSE_FORMATS], [schemaAt("SubmitJobRequest", "response_format")]],
  ["effort levels", EFFORTS, [schemaAt("Job", "effort"), schemaAt("SubmitJobRequest", "effort")]],
  ["permission modes", PERMISSION_MODES, [schemaAt("Job", "permission_mode"), schemaAt("SubmitJobRequest", "permission_mode")]],
  [
    "model aliases",
    MODELS,
    [
      schemaAt("Job", "model"),
      schemaAt("Job", "fallback_model"),
      schemaAt("SubmitJobRequest", "fallback_model"),
      schemaAt("KeyPolicy", "models", "[]"),
      schemaAt("CreateKeyRequest", "policy", "models", "[]"),
      schemaAt("UpdateKeyRequest", "policy", "models", "[]"),
      schemaAt("ChatCompletionRequest", "model"),
      schemaAt("MessagesRequest", "model"),
      schemaAt("OpenAIModelList", "data", "[]", "id"),
      schemaAt("AnthropicModelList", "data", "[]", "id"),
    ],
  ],
  ["model aliases, or empty for the default", [...MODELS, ""], [schemaAt("SubmitJobRequest", "model")]],
  ["event names", EVENT_NAMES, [schemaAt("StoredEvent")].map((s) => ({ oneOf: s.oneOf.map((o: Node) => o.properties.event) }))],
  ["delivery types", DELIVERY_TYPES, [schemaAt("Delivery", "type")]],
  ["delivery statuses", DELIVERY_STATUSES, [schemaAt("Delivery", "status")]],
  ["pause sources", PAUSE_SOURCES, [deref(schemaAt("PauseState").anyOf[1]).properties.source]],
  ["health statuses", HEALTH_STATUSES, [schemaAt("Health", "status")]],
  ["database engines", DIALECTS, [schemaAt("Stats", "database"), schemaAt("Health", "database")]],
  ["Claude auth states", CLAUDE_AUTH_STATES, [schemaAt("Health", "claude_auth")]],
  ["sandbox modes", SANDBOX_MODES_BY_STRENGTH, [schemaAt("Health", "sandbox")]],
  ["budget periods", BUDGET_PERIODS, [schemaAt("KeyPolicy", "budget_period"), schemaAt("CreateKeyRequest", "policy", "budget_period"), schemaAt("UpdateKeyRequest", "policy", "budget_period")]],
  ["usage groupings", USAGE_GROUPS, [schemaAt("UsageReport", "group_by"), paramAt("/api/v1/usage", "get", "group_by")]],
  ["queued jobs on revoke", QUEUED_ON_REVOKE, [paramAt("/api/v1/keys/{id}", "delete", "queued")]],
  ["OpenAI message roles", OPENAI_ROLES, [schemaAt("ChatCompletionRequest", "messages", "[]", "role")]],
  ["OpenAI response formats", OPENAI_RESPONSE_FORMATS, [{ anyOf: schemaAt("ChatCompletionRequest", "response_format").anyOf.map((a: Node) => a.properties.type) }]],
  ["OpenAI finish reasons", [OPENAI_FINISH_REASON], [schemaAt("ChatCompletion", "choices", "[]", "finish_reason")]],
  ["OpenAI finish reasons of a chunk", [OPENAI_FINISH_REASON, null], [schemaAt("ChatCompletionChunk", "choices", "[]", "finish_reason")]],
  ["OpenAI error types", OPENAI_ERROR_TYPES, [schemaAt("OpenAIError", "error", "type")]],
  ["Anthropic message roles", TURN_ROLES, [schemaAt("MessagesRequest", "messages", "[]", "role")]],
  ["Anthropic stop reasons", [ANTHROPIC_STOP_REASON, null], [schemaAt("AnthropicMessage", "stop_reason")]],
  ["Anthropic error types", ANTHROPIC_ERROR_TYPES, [schemaAt("AnthropicError", "error", "type")]],
  ["Idempotent-Replayed header", ["true"], [doc.paths["/api/v1/jobs"].post.responses["202"].headers["Idempotent-Replayed"].schema]],
];

describe("the OpenAPI document's enumerations", () => {
  it.each(ENUMERATIONS)("%s: the document's list is the runtime's, wherever it appears", (_name, defined, nodes) => {
    for (const n of nodes) expect(valuesOf(n)).toEqual([...defined]);
  });

  it("has no enumeration besides those (a new one needs a single definition and a line above)", () => {
    for (const [, , nodes] of ENUMERATIONS) nodes.forEach(valuesOf);
    const unchecked: string[] = [];
    const walk = (n: unknown, at: string): void => {
      if (Array.isArray(n)) return n.forEach((x, i) => walk(x, `${at}/${i}`));
      if (typeof n !== "object" || n === null) return;
      if (Array.isArray((n as Node).enum) && !checked.has(n as Node)) unchecked.push(`${at}: ${JSON.stringify((n as Node).enum)}`);
      for (const [k, v] of Object.entries(n)) if (k !== "examples" && k !== "example") walk(v, `${at}/${k}`);
    };
    walk(doc, "#");
    expect(unchecked).toEqual([]);
  });

  it("counts the timeline's ended jobs by each terminal status", () => {
    expect(Object.keys(schemaAt("Timeline", "buckets", "[]").properties)).toEqual(["at", "queued", "running", ...TERMINAL_STATUSES]);
  });

  it("names every event of a job stream in the stream's description", () => {
    const description: string = doc.paths["/api/v1/jobs/{id}/sse"].get.description;
    for (const name of [...EVENT_NAMES, RESTARTING_EVENT]) expect(description).toContain(`\`${name}\``);
  });

  it("lists no compatible-API error type that no status answers with", () => {
    const statuses = Array.from({ length: 200 }, (_, i) => 400 + i);
    const types = (dialect: "openai" | "anthropic") =>
      new Set(statuses.map((status) => (errorBody(dialect, { status, message: "m" }).body as { error: { type: string } }).error.type));
    expect(types("openai")).toEqual(new Set(OPENAI_ERROR_TYPES));
    expect(types("anthropic")).toEqual(new Set(ANTHROPIC_ERROR_TYPES));
  });
});

// A job with every field the API can show, so a field jobToJson writes and the document leaves out is found.
const options: Required<AgentOptions> = {
  max_turns: 3,
  max_budget_usd: 0.5,
  fallback_model: "sonnet",
  effort: "high",
  append_system_prompt: "Answer in French.",
  tools: ["Read"],
  permission_mode: "plan",
  mcp_servers: ["docs-search"],
};
const fullJob: Required<Job> = {
  id: "3479044e-64ff-4f0d-8cd3-d0b06a93d07f",
  prompt: "Explain a mutex.",
  systemPrompt: "Be brief.",
  model: "haiku",
  status: "processing",
  result: "A lock.",
  error: "the CLI stopped writing output",
  errorCode: "stalled",
  callbackUrl: "https://example.com/hook",
  webhookEvents: ["started", "completed"],
  metadata: '{"ticket":42}',
  responseFormat: "json",
  jsonSchema: '{"type":"object"}',
  timeoutSeconds: 120,
  requestId: "req-1",
  attempts: 2,
  retrying: { attempt: 1, max_retries: 10, delay_ms: 512.5, error_status: 529 },
  createdAt: Date.parse("2026-11-24T06:05:10.432Z"),
  startedAt: Date.parse("2026-11-24T06:05:10.500Z"),
  completedAt: Date.parse("2026-11-24T06:05:11.338Z"),
  owner: "key_3f9a1c0d5e7b2a46",
  sessionId: "0d6f6f7e-54a4-4f57-9d1e-6c2c4d3b1a10",
  fork: true,
  options,
  usage: { input_tokens: 3, output_tokens: 9 },
  cost_usd: 0.0012,
  duration_ms: 906,
  num_turns: 1,
  cli_session_id: "9d1e6c2c-4d3b-1a10-0d6f-6f7e54a44f57",
  tool_calls: 1,
};
const urls = { get: "/api/v1/jobs/x", cancel: "/api/v1/jobs/x/cancel", stream: "/api/v1/jobs/x/sse?token=t" };

describe("the document's Job", () => {
  it("has every field the API writes into a job, in the same order", () => {
    const written = Object.keys(JSON.parse(jobToJson(fullJob, urls)));
    expect(Object.keys(schemaAt("Job").properties)).toEqual(written);
  });

  it.each(ERROR_CODES)("accepts a job that ended with error_code %s, and its retrying report", (code) => {
    const json = JSON.parse(jobToJson({ ...fullJob, status: "failed", errorCode: code }, urls));
    const parsed = jobSchema.safeParse(json);
    expect(parsed.error?.issues).toBeUndefined();
    expect(parsed.data).toEqual(json);
  });
});
