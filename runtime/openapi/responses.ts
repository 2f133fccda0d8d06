// Small builders for the OpenAPI objects the operations repeat: JSON bodies, error responses with one example
// per message the handler can send, and headers.
type Obj = Record<string, unknown>;

export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** A JSON response whose body is the named component schema, with one example (or a map of named ones). */
export function jsonResponse(description: string, schema: string, example?: unknown, headers: Obj = {}, kind: "example" | "examples" = "example"): Obj {
  return {
    description,
    headers: { "X-Request-ID": headerRef("RequestId"), ...headers },
    content: { "application/json": { schema: schemaRef(schema), ...(example === undefined ? {} : { [kind]: example }) } },
  };
}

/** Error responses, `{"error": "..."}`, with an example per message. */
export function errorResponses(byStatus: Record<number, { description: string; messages: string[]; headers?: Obj }>): Obj {
  const out: Obj = {};
  for (const [status, { description, messages, headers }] of Object.entries(byStatus)) {
    out[status] = errorResponse(description, "Error", messages.map((m) => ({ summary: m, value: { error: m } })), headers);
  }
  return out;
}

/** One error response in the named error schema, with an example per body (e1, e2, ...). */
export function errorResponse(description: string, schema: string, bodies: { summary: string; value: unknown }[], headers?: Obj): Obj {
  return jsonResponse(description, schema, Object.fromEntries(bodies.map((b, i) => [`e${i + 1}`, b])), headers, "examples");
}

/** The 401s every keyed endpoint can answer. */
export const AUTH_ERRORS = {
  401: { description: "No API key, or a wrong one", messages: ["missing X-API-Key header", "invalid API key"] },
};

/** Operator endpoints answer a tenant key so. */
export const OPERATOR_ONLY = { 403: { description: "A tenant key: this endpoint is for operator keys", messages: ["operator key required"] } };

export const JOB_NOT_FOUND = { 404: { description: "No job with this id, or one this tenant key may not see", messages: ["job not found"] } };

export const SESSION_NOT_FOUND = {
  404: { description: "No session with this id, or one this tenant key may not see", messages: ["session not found"] },
};

export const noContent = (description: string): Obj => ({ description, headers: { "X-Request-ID": headerRef("RequestId") } });

/** `components.headers`: response headers shared by many operations. */
export const HEADERS = {
  RequestId: {
    description: "The client's `X-Request-ID` when it is 1–128 characters of letters, digits and `_ . : -`; otherwise a new UUID.",
    schema: { type: "string" },
  },
  Location: { description: "Path of the job", schema: { type: "string" }, example: "/api/v1/jobs/3479044e-64ff-4f0d-8cd3-d0b06a93d07f" },
  RetryAfter: { description: "Seconds to wait before trying again", schema: { type: "integer" }, example: 1 },
};

export const headerRefs = { location: headerRef("Location"), retryAfter: headerRef("RetryAfter") };

/** `components.parameters`. */
export const PARAMETERS = {
  KeyId: { name: "id", in: "path", required: true, description: "The key's `id`", schema: { type: "string" }, example: "key_3f9a1c0d5e7b2a46" },
  SessionId: { name: "id", in: "path", required: true, description: "The session's `session_id`", schema: { type: "string" }, example: "0d6f6f7e-54a4-4f57-9d1e-6c2c4d3b1a10" },
  JobId: { name: "id", in: "path", required: true, description: "The job's `job_id`", schema: { type: "string" }, example: "3479044e-64ff-4f0d-8cd3-d0b06a93d07f" },
};

export const parameterRef = (name: keyof typeof PARAMETERS) => ({ $ref: `#/components/parameters/${name}` });
