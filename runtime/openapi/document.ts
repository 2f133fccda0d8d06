// The OpenAPI 3.1 document of the API: a pure function of the zod schemas (requests: the ones the handlers
// validate with; responses: runtime/openapi/schemas.ts) and the operation tables in paths-*.ts.
import { componentSchemas } from "./json-schema";
import { compatPaths } from "./paths-compat";
import { jobPaths } from "./paths-jobs";
import { keyPaths } from "./paths-keys";
import { serverPaths } from "./paths-server";
import { sessionPaths } from "./paths-sessions";
import { requestSchemas } from "./requests";
import { HEADERS, PARAMETERS } from "./responses";
import { responseSchemas } from "./schemas";
import { compatRequestSchemas, compatResponseSchemas } from "./schemas-compat";

const DESCRIPTION = `HTTP gateway that runs the Claude Code CLI for each job of a durable queue.

Submit a prompt with \`POST /api/v1/jobs\` and get the job at once; then poll it, stream its answer token by token
over Server-Sent Events (\`urls.stream\` works in a browser's \`EventSource\`), or receive a signed webhook.

**Authentication.** Every path under \`/api/\` except health and this document needs an API key, as
\`X-API-Key: <key>\` or \`Authorization: Bearer <key>\`. Operator keys (\`CLAUDEGATE_API_KEYS\`) see everything;
tenant keys (made with \`POST /api/v1/keys\`) see only their own jobs: another tenant's job is a \`404\`.
**Errors** are always \`{"error": "<message>"}\`; a path that does not exist is \`404 {"error":"not found"}\`, a method it does not take \`405\` with \`Allow\`.

**OpenAI- and Anthropic-compatible APIs** under \`/v1/\` run each request as a job too, and take the same keys in
their SDKs' headers; their errors are in each API's own shape.`;

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title: "ClaudeGate", version, description: DESCRIPTION, license: { name: "MIT", identifier: "MIT" } },
    // Relative to this document (served at <base>/api/v1/openapi.json), so it stays right behind a path prefix.
    servers: [{ url: "../..", description: "This gateway" }],
    security: [{ ApiKey: [] }, { Bearer: [] }],
    tags: [
      { name: "Jobs", description: "Submit, read, list, cancel and delete jobs" },
      { name: "Sessions", description: "Conversations: a job with `session_id` is the next turn of one" },
      { name: "Workspaces", description: "A session's files: the CLI's working directory for its turns" },
      { name: "Streams", description: "A job's events: live over SSE, or as JSON pages" },
      { name: "Webhooks", description: "Signed callbacks and their delivery log" },
      { name: "Queue", description: "Pause and resume the queue" },
      { name: "Server", description: "Health, figures and this document" },
      { name: "Compatible APIs", description: "OpenAI Chat Completions and Anthropic Messages over the job queue" },
      { name: "Keys", description: "Tenant keys and their policies (operator keys only)" },
      { name: "Usage", description: "Spend and tokens from the usage ledger" },
    ],
    paths: { ...jobPaths, ...sessionPaths, ...serverPaths, ...keyPaths, ...compatPaths },
    components: {
      schemas: {
        ...componentSchemas({ ...responseSchemas, ...compatResponseSchemas }, "output"),
        ...componentSchemas({ ...requestSchemas, ...compatRequestSchemas }, "input"),
      },
      parameters: PARAMETERS,
      headers: HEADERS,
      securitySchemes: {
        ApiKey: { type: "apiKey", in: "header", name: "X-API-Key", description: "One of `CLAUDEGATE_API_KEYS` (operator), or a tenant key" },
        Bearer: { type: "http", scheme: "bearer", description: "The same key as `Authorization: Bearer <key>`" },
        StreamToken: {
          type: "apiKey",
          in: "query",
          name: "token",
          description: "The signed, expiring token in a job's `urls.stream`: opens that job's stream only",
        },
      },
    },
  };
}
