// The server endpoints of the document: health, stats, queue pause and resume, the webhook secret, and this
// document itself.
import * as ex from "./examples";
import { AUTH_ERRORS, OPERATOR_ONLY, errorResponses, jsonResponse, schemaRef } from "./responses";
import { queryParameters } from "./json-schema";
import { timelineQuery } from "./requests";

const health = {
  operationId: "getHealth",
  tags: ["Server"],
  summary: "Health check",
  description:
    "No key needed. Always `200`; `degraded` when the database does not answer or the CLI binary is missing. Without a key the " +
    "answer holds only status words (`status`, `claude_auth`, the token expiry); `reason`, `paused_until` and `paused_reason` " +
    "are added only when a valid key is sent (an invalid one is ignored, not refused).",
  security: [],
  responses: { 200: jsonResponse("Health", "Health", { ok: { value: ex.health }, degraded: { value: ex.degradedHealth } }, {}, "examples") },
};

const stats = {
  operationId: "getStats",
  tags: ["Server"],
  summary: "Queue and server figures",
  description: "Jobs by status, whether the queue is paused, CLI processes alive, open streams, CLI version and uptime. Operator keys only.",
  responses: { 200: jsonResponse("Stats", "Stats", ex.stats), ...errorResponses({ ...AUTH_ERRORS, ...OPERATOR_ONLY }) },
};

const timeline = {
  operationId: "getStatsTimeline",
  tags: ["Server"],
  summary: "Queue figures per minute",
  description:
    "An operator's view of the last `minutes`: per minute, the jobs that completed, failed or were cancelled, and the jobs " +
    "queued and running at the minute's end (read from the database: a job put back in the queue shows only its latest run); " +
    "then the figures of now and the pause. What the playground's Status view draws. Operator keys only.",
  parameters: queryParameters(timelineQuery),
  responses: {
    200: jsonResponse("The timeline", "Timeline", ex.timeline),
    ...errorResponses({ 400: { description: "Bad `minutes`", messages: ["minutes must be an integer from 1 to 1440"] }, ...AUTH_ERRORS, ...OPERATOR_ONLY }),
  },
};

const metrics = {
  operationId: "getMetrics",
  tags: ["Server"],
  summary: "Prometheus metrics",
  description:
    "Every metric in Prometheus's text exposition format (README: Observability). Needs an operator key; a scraper that " +
    "cannot send one reads the same text without a key on `CLAUDEGATE_METRICS_ADDR`.",
  responses: {
    200: {
      description: "Prometheus text format 0.0.4",
      content: { "text/plain": { schema: { type: "string" }, example: "# HELP claudegate_queue_jobs Jobs in the database by status\n# TYPE claudegate_queue_jobs gauge\nclaudegate_queue_jobs{status=\"queued\"} 2\n" } },
    },
    ...errorResponses({ ...AUTH_ERRORS, ...OPERATOR_ONLY }),
  },
};

const pause = {
  operationId: "pauseQueue",
  tags: ["Queue"],
  summary: "Pause the queue",
  description: "Nothing new starts (running jobs finish, submissions are still queued) until resumed or for `seconds`. Survives a restart. Operator keys only.",
  requestBody: {
    required: false,
    content: { "application/json": { schema: schemaRef("PauseRequest"), example: { reason: "maintenance", seconds: 600 } } },
  },
  responses: {
    200: jsonResponse("The pause", "PauseState", ex.pausedState),
    ...errorResponses({
      400: {
        description: "Invalid body",
        messages: ["invalid JSON body", "seconds must be a positive integer", "seconds must be at most 2592000", "reason must be a string", "reason must be at most 500 characters"],
      },
      ...AUTH_ERRORS,
      ...OPERATOR_ONLY,
    }),
  },
};

const resume = {
  operationId: "resumeQueue",
  tags: ["Queue"],
  summary: "Resume the queue",
  description: "Ends a pause, whoever set it (an operator or a usage limit). Operator keys only.",
  responses: { 200: jsonResponse("Not paused", "PauseState", { paused: false }), ...errorResponses({ ...AUTH_ERRORS, ...OPERATOR_ONLY }) },
};

const secret = {
  operationId: "getWebhookSecret",
  tags: ["Webhooks"],
  summary: "The webhook signing secret",
  description:
    "The Standard Webhooks secret receivers verify `webhook-signature` with: the caller's. A tenant key has its own " +
    "(its jobs' deliveries are signed with it); operator keys share the gateway's.",
  responses: { 200: jsonResponse("The secret", "WebhookSecret", { secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }), ...errorResponses(AUTH_ERRORS) },
};

const openapi = {
  operationId: "getOpenApi",
  tags: ["Server"],
  summary: "This document",
  description: "The OpenAPI 3.1 description of the API, generated from the schemas the handlers validate with. No key needed.",
  security: [],
  responses: {
    200: { description: "OpenAPI 3.1 document", content: { "application/json": { schema: { type: "object" } } } },
  },
};

export const serverPaths = {
  "/api/v1/health": { get: health },
  "/api/v1/stats": { get: stats },
  "/api/v1/stats/timeline": { get: timeline },
  "/api/v1/queue/pause": { post: pause },
  "/api/v1/queue/resume": { post: resume },
  "/api/v1/webhooks/secret": { get: secret },
  "/api/v1/openapi.json": { get: openapi },
  "/metrics": { get: metrics },
};
