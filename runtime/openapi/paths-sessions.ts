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

const filePath = {
  name: "path",
  in: "path",
  required: true,
  description:
    "The file's path in the workspace, relative, `/`-separated (percent-encode each segment). No `.` or `..` segment, no leading `/`, " +
    "no empty segment, no NUL or control character; at most 1024 characters, 32 levels, 255 bytes a segment.",
  schema: { type: "string" },
  example: "docs/report.md",
};
const PATH_ERRORS = ["path must not contain . or .. segments", "path must be relative (no leading /)", "path must not contain NUL characters"];
const RUNNING = { 409: { description: "A turn of the session is running: files change between turns", messages: ["a turn of this session is running; change its files when it has ended"] } };

const listFiles = {
  operationId: "listSessionFiles",
  tags: ["Workspaces"],
  summary: "List a session's files",
  description: "Every file of the session's workspace (the CLI's working directory for its turns), by path.",
  responses: { 200: jsonResponse("The files", "FileList", ex.fileList), ...errorResponses({ ...AUTH_ERRORS, ...SESSION_NOT_FOUND }) },
};

const getFile = {
  operationId: "getSessionFile",
  tags: ["Workspaces"],
  summary: "Download a file",
  description: "The file's bytes as uploaded or as the CLI left them.",
  responses: {
    200: { description: "The file", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } },
    ...errorResponses({
      400: { description: "Not a workspace path", messages: PATH_ERRORS },
      ...AUTH_ERRORS,
      404: { description: "No such session (or another tenant's), or no such file", messages: ["session not found", "file not found"] },
    }),
  },
};

const putFile = {
  operationId: "putSessionFile",
  tags: ["Workspaces"],
  summary: "Upload a file",
  description: "The raw body becomes the file (folders are implied by the path). The CLI finds it in its working directory on the session's next turn.",
  requestBody: { required: true, content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } },
  responses: {
    200: jsonResponse("Replaced", "WorkspaceFile", ex.workspaceFile),
    201: jsonResponse("Created", "WorkspaceFile", ex.workspaceFile),
    ...errorResponses({
      400: { description: "Not a workspace path", messages: PATH_ERRORS },
      ...AUTH_ERRORS,
      ...SESSION_NOT_FOUND,
      ...RUNNING,
      413: {
        description: "Past a limit: the file, the session's files together, or a tenant key's files together",
        messages: [
          "file must be at most 10485760 bytes (CLAUDEGATE_WORKSPACE_MAX_FILE_BYTES)",
          "the session's files would pass 104857600 bytes (CLAUDEGATE_WORKSPACE_MAX_BYTES)",
          "this key's files would pass 1000000 bytes (policy.workspace_max_bytes)",
        ],
      },
    }),
  },
};

const deleteFile = {
  operationId: "deleteSessionFile",
  tags: ["Workspaces"],
  summary: "Delete a file",
  responses: {
    204: noContent("Deleted"),
    ...errorResponses({
      400: { description: "Not a workspace path", messages: PATH_ERRORS },
      ...AUTH_ERRORS,
      404: { description: "No such session (or another tenant's), or no such file", messages: ["session not found", "file not found"] },
      ...RUNNING,
    }),
  },
};

export const sessionPaths = {
  "/api/v1/sessions": { get: list },
  "/api/v1/sessions/{id}": { parameters: [sessionId], get, delete: remove },
  "/api/v1/sessions/{id}/files": { parameters: [sessionId], get: listFiles },
  "/api/v1/sessions/{id}/files/{path}": { parameters: [sessionId, filePath], get: getFile, put: putFile, delete: deleteFile },
};
