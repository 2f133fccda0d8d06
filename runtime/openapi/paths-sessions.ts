// The session endpoints of the document: list, read, delete.
import * as ex from "./examples";
import { queryParameters } from "./json-schema";
import { sessionListQuery } from "./requests";
import { AUTH_ERRORS, SESSION_NOT_FOUND, errorResponses, jsonResponse, noContent, parameterRef } from "./responses";

const sessionId = parameterRef("SessionId");

const list = {
  operationId: "listSessions",
  tags: ["Sessions"],
  summary: "List sessions",
  description: "Newest first; a tenant key sees its own. The answer echoes the `limit` and `offset` used, after clamping.",
  parameters: queryParameters(sessionListQuery),
  responses: { 200: jsonResponse("A page of sessions", "SessionList", ex.sessionList), ...errorResponses({ ...AUTH_ERRORS }) },
};

const get = {
  operationId: "getSession",
  tags: ["Sessions"],
  summary: "Get a session",
  description: "Its turns (jobs) in submission order with their statuses, when it was created and last active, and its total tokens and cost.",
  responses: { 200: jsonResponse("The session", "Session", ex.session), ...errorResponses({ ...AUTH_ERRORS, ...SESSION_NOT_FOUND }) },
};

const remove = {
  operationId: "deleteSession",
  tags: ["Sessions"],
  summary: "Delete a session",
  description:
    "Deletes the session with its stored transcript and every turn: a queued or running turn is cancelled first (its CLI is killed), " +
    "then each job goes as `DELETE /api/v1/jobs/{id}` deletes it. A later submit with this `session_id` is a `404`.",
  responses: { 204: noContent("Deleted"), ...errorResponses({ ...AUTH_ERRORS, ...SESSION_NOT_FOUND }) },
};

export const sessionPaths = {
  "/api/v1/sessions": { get: list },
  "/api/v1/sessions/{id}": { parameters: [sessionId], get, delete: remove },
};
