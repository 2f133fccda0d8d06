// GET /api/v1/openapi.json: a valid OpenAPI 3.1 document, public, covering exactly the routes handlers/ has,
// and true to the API: its examples and the built gateway's real answers parse with its response schemas
// (and parsing drops no key, so an undocumented field fails too).
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { version } from "../../package.json";
import { buildOpenApiDocument } from "../../runtime/openapi/document";
import { submitRequest } from "../../runtime/openapi/requests";
import { responseSchemas as jobApiSchemas } from "../../runtime/openapi/schemas";
import { compatResponseSchemas } from "../../runtime/openapi/schemas-compat";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { GatewayProcess } from "../support/gateway-process";
import { documentedRoutes, handlerRoutes } from "../support/handler-routes";

type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };
const doc = buildOpenApiDocument(version) as unknown as Doc;
const responseSchemas = { ...jobApiSchemas, ...compatResponseSchemas };
/** The error shape of a path's 401: the job API's, or under /v1/ the compatible APIs' own. */
const AUTH_ERROR_SCHEMA: Record<string, unknown> = {
  "/v1/chat/completions": { $ref: "#/components/schemas/OpenAIError" },
  "/v1/messages": { $ref: "#/components/schemas/AnthropicError" },
  "/v1/models": { oneOf: [{ $ref: "#/components/schemas/OpenAIError" }, { $ref: "#/components/schemas/AnthropicError" }] },
};
const schemaNamed = (name: keyof typeof responseSchemas) => responseSchemas[name] as z.ZodType;

/** Parses `value` with the named response schema, and checks that nothing was stripped on the way. */
function conforms(name: keyof typeof responseSchemas, value: unknown): void {
  const parsed = schemaNamed(name).safeParse(value);
  expect(parsed.error?.issues, `${name}: ${JSON.stringify(value)}`).toBeUndefined();
  expect(parsed.data, `${name} has keys its schema does not describe`).toEqual(value);
}

let fake: FakeAnthropic;
let gw: GatewayProcess;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  gw = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_CONCURRENCY: "2" } });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
});

describe("the OpenAPI document", () => {
  it("is served without a key, as generated", async () => {
    const res = await fetch(`${gw.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(await res.json()).toEqual(doc);
  });

  it("is valid OpenAPI 3.1", async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("documents exactly the routes under handlers/", () => {
    const routes = handlerRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(15);
    expect(documentedRoutes(doc)).toEqual(routes);
  });

  it("describes every operation, its errors and its auth", () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === "parameters") continue;
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.summary, where).toBeTruthy();
        expect(ids.has(op.operationId), `${where}: duplicate operationId`).toBe(false);
        ids.add(op.operationId);
        expect(Object.keys(op.responses).some((s) => s.startsWith("2")), where).toBe(true);
        const open = Array.isArray(op.security) && op.security.length === 0;
        expect(open, where).toBe(path === "/api/v1/health" || path === "/api/v1/openapi.json");
        const authError = AUTH_ERROR_SCHEMA[path] ?? { $ref: "#/components/schemas/Error" };
        if (!open) expect(op.responses["401"]?.content["application/json"].schema, where).toEqual(authError);
      }
    }
    const submit = doc.paths["/api/v1/jobs"]!.post;
    expect(submit.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toContain("header:Idempotency-Key");
    expect(Object.keys(submit.responses)).toEqual(expect.arrayContaining(["202", "400", "401", "409", "413", "422", "429", "503"]));
    const sse = doc.paths["/api/v1/jobs/{id}/sse"]!.get;
    expect(sse.parameters.map((p: { name: string }) => p.name)).toEqual(["Last-Event-ID", "after"]);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(Object.keys(responseSchemas)));
  });

  it("takes the submit body from the handler's schema, and documents each of its fields", () => {
    const body = doc.components.schemas.SubmitJobRequest;
    expect(Object.keys(body.properties)).toEqual(Object.keys(submitRequest.shape));
    expect(body.required).toEqual(["prompt"]);
    expect(body.properties.timeout_seconds).toMatchObject({ type: "integer", minimum: 1, maximum: 604800 });
    for (const [field, schema] of Object.entries<{ description?: string }>(body.properties)) expect(schema.description, field).toBeTruthy();
  });

  it("has examples that its own schemas accept", () => {
    let checked = 0;
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) {
        for (const response of Object.values<any>(op.responses ?? {})) {
          const media = response.content?.["application/json"];
          const name = /^#\/components\/schemas\/(\w+)$/.exec(media?.schema?.$ref ?? "")?.[1] as keyof typeof responseSchemas | undefined;
          if (!name || !(name in responseSchemas)) continue;
          const values = media.example !== undefined ? [media.example] : Object.values<any>(media.examples ?? {}).map((e) => e.value);
          for (const v of values) (conforms(name, v), checked++);
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});

describe("the document's response schemas", () => {
  it("match what the gateway really answers", async () => {
    const queued = await gw.submit({ prompt: "[[reply:Hello |there]] schema-1", metadata: { a: [1, 2] }, system_prompt: "Be brief." });
    conforms("Job", queued);
    const done = await gw.waitJob(queued.job_id);
    expect(done.usage).toBeDefined();
    conforms("Job", done);
    conforms("JobList", (await gw.json("GET", "/api/v1/jobs?limit=5")).body);
    const events = (await gw.json("GET", `/api/v1/jobs/${queued.job_id}/events`)).body;
    expect(events.done).toBe(true);
    conforms("EventPage", events);
    conforms("DeliveryList", (await gw.json("GET", `/api/v1/jobs/${queued.job_id}/deliveries`)).body);
    conforms("Stats", (await gw.json("GET", "/api/v1/stats")).body);
    conforms("Timeline", (await gw.json("GET", "/api/v1/stats/timeline?minutes=5")).body);
    conforms("Health", (await gw.json("GET", "/api/v1/health")).body);
    conforms("WebhookSecret", (await gw.json("GET", "/api/v1/webhooks/secret")).body);

    const hanging = await gw.submit({ prompt: "[[hang]] schema-2", timeout_seconds: 60, response_format: "json" });
    await gw.waitJob(hanging.job_id, (j) => j.status === "processing");
    conforms("Cancelled", (await gw.json("POST", `/api/v1/jobs/${hanging.job_id}/cancel`)).body);
    conforms("Job", await gw.waitJob(hanging.job_id));
    conforms("Error", (await gw.json("POST", `/api/v1/jobs/${hanging.job_id}/cancel`)).body);

    conforms("PauseState", (await gw.json("POST", "/api/v1/queue/pause", { seconds: 60, reason: "schema test" })).body);
    conforms("Stats", (await gw.json("GET", "/api/v1/stats")).body);
    conforms("Health", (await gw.json("GET", "/api/v1/health")).body);
    conforms("PauseState", (await gw.json("POST", "/api/v1/queue/resume")).body);

    const created = await gw.json("POST", "/api/v1/keys", { name: "schema", policy: { models: ["haiku"], budget_usd: 1.5, budget_period: "month" } });
    conforms("CreatedKey", created.body);
    conforms("Key", (await gw.json("GET", `/api/v1/keys/${created.body.id}`)).body);
    conforms("Key", (await gw.json("PATCH", `/api/v1/keys/${created.body.id}`, { policy: { max_running: 1 } })).body);
    conforms("KeyList", (await gw.json("GET", "/api/v1/keys")).body);
    conforms("WebhookSecret", (await gw.json("GET", "/api/v1/webhooks/secret", undefined, { "X-API-Key": created.body.key })).body);
    conforms("Error", (await gw.json("GET", "/api/v1/stats", undefined, { "X-API-Key": created.body.key })).body);
    const tenantJob = (await gw.json("POST", "/api/v1/jobs", { prompt: "[[reply:mine]] schema-tenant" }, { "X-API-Key": created.body.key })).body;
    expect(tenantJob.key_id).toBe(created.body.id);
    conforms("Job", tenantJob);
    conforms("Job", await gw.waitJob(tenantJob.job_id));
    conforms("UsageReport", (await gw.json("GET", "/api/v1/usage?group_by=key", undefined, { "X-API-Key": created.body.key })).body);
    for (const group of ["day", "model", "key"]) {
      const report = (await gw.json("GET", `/api/v1/usage?group_by=${group}`)).body;
      expect(report.usage.length, group).toBeGreaterThan(0);
      conforms("UsageReport", report);
    }
    conforms("RevokedKey", (await gw.json("DELETE", `/api/v1/keys/${created.body.id}`)).body);

    const next = await gw.submit({ prompt: "[[reply:again]] schema-turn-2", session_id: done.session_id });
    conforms("Job", next);
    conforms("Job", await gw.waitJob(next.job_id));
    const session = (await gw.json("GET", `/api/v1/sessions/${done.session_id}`)).body;
    expect(session.turns.length).toBe(2);
    conforms("Session", session);
    conforms("SessionList", (await gw.json("GET", "/api/v1/sessions?limit=3")).body);
    conforms("Error", (await gw.json("GET", "/api/v1/sessions/nope")).body);
    const uploaded = await gw.json("PUT", `/api/v1/sessions/${done.session_id}/files/dir/a.txt`, "hello", { "Content-Type": "application/octet-stream" });
    expect(uploaded.status).toBe(201);
    conforms("WorkspaceFile", uploaded.body);
    conforms("FileList", (await gw.json("GET", `/api/v1/sessions/${done.session_id}/files`)).body);
  });
});
