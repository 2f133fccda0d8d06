// The server endpoints of the document: health, stats, queue pause and resume, the webhook secret, and this
// document itself.
import * as ex from "./examples";
import { AUTH_ERRORS, OPERATOR_ONLY, errorResponses, jsonResponse, schemaRef } from "./responses";

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
  "/api/v1/queue/pause": { post: pause },
  "/api/v1/queue/resume": { post: resume },
  "/api/v1/webhooks/secret": { get: secret },
  "/api/v1/openapi.json": { get: openapi },
};
