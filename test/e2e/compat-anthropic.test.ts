// The official `@anthropic-ai/sdk`, unmodified, pointed at the built gateway: every request is a job run by the
// real pinned CLI against the suite's fake Messages API (the fake CLI where only the gateway's side is tested).
import Anthropic, { type APIError } from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anthropicErrorSchema, anthropicMessageSchema, anthropicModelListSchema } from "../../runtime/openapi/schemas-compat";
import { cliRuns, startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { API_KEY, FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { createTenant } from "../support/tenants";
import { TRANSCRIPT_HEAD } from "../../runtime/compat/transcript";

let fake: FakeAnthropic;
let gw: GatewayProcess;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  gw = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_CONCURRENCY: "2" } });
  client = new Anthropic({ baseURL: gw.url, apiKey: API_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
});

const user = (content: string) => ({ role: "user" as const, content });
const mainRequestFor = (marker: string) => fake.requests.find((r) => r.kind === "main" && r.prompt.includes(marker));
const fail = <T>(p: Promise<T>) => p.then(() => undefined, (e: unknown) => e);
/** The fake API's figures for a 3-delta answer, as the CLI passes them through. */
const USAGE_3 = { input_tokens: 10, output_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

describe("Anthropic Messages", () => {
  it("answers messages.create from a job that the job API shows with the same answer", async () => {
    const { data, response } = await client.messages
      .create({ model: "haiku", max_tokens: 1024, system: "Answer like a pirate.", messages: [user("[[reply:Hello |from |the fake]] an-1")] })
      .withResponse();
    const jobId = response.headers.get("x-claudegate-job-id")!;
    expect(data).toEqual(anthropicMessageSchema.parse(data));
    expect(data).toMatchObject({ id: `msg_${jobId}`, type: "message", role: "assistant", model: "haiku", stop_reason: "end_turn", usage: USAGE_3 });
    expect(data.content).toEqual([{ type: "text", text: "Hello from the fake" }]);
    const job = (await gw.json("GET", `/api/v1/jobs/${jobId}`)).body;
    expect(job).toMatchObject({ status: "completed", result: "Hello from the fake", metadata: { api: "anthropic.messages", model: "haiku" } });
    expect(job.usage).toMatchObject({ input_tokens: 10, output_tokens: 3 });
    expect(mainRequestFor("an-1")!.system).toContain("Answer like a pirate.");
  });

  it("streams with messages.stream: its text events make the reply exactly, finalMessage() has the usage", async () => {
    const stream = client.messages.stream({
      model: "claude-sonnet-5",
      max_tokens: 1024,
      messages: [user("Hi"), { role: "assistant", content: [{ type: "text", text: "Hello!" }] }, user("[[reply:Once |upon |a time]] an-2")],
    });
    const texts: string[] = [];
    stream.on("text", (t) => texts.push(t));
    const final = await stream.finalMessage();
    expect(texts).toEqual(["Once ", "upon ", "a time"]);
    expect(final).toMatchObject({ model: "claude-sonnet-5", stop_reason: "end_turn", content: [{ type: "text", text: "Once upon a time" }], usage: USAGE_3 });
    const jobId = stream.response!.headers.get("x-claudegate-job-id")!;
    expect(final.id).toBe(`msg_${jobId}`);
    expect((await gw.json("GET", `/api/v1/jobs/${jobId}`)).body).toMatchObject({ status: "completed", model: "claude-sonnet-5", result: "Once upon a time" });
    expect(mainRequestFor("an-2")!.model).toBe("claude-sonnet-5"); // the full id is passed to the CLI as written
    expect(mainRequestFor("an-2")!.prompt).toContain("<transcript>\n<user>\nHi\n</user>\n<assistant>\nHello!\n</assistant>\n</transcript>");
  });

  it("runs output_config.format json_schema as the CLI's structured output", async () => {
    const schema = { type: "object", properties: { answer: { type: "integer" } }, required: ["answer"], additionalProperties: false };
    const { data, response } = await client.messages
      .create({ model: "haiku", max_tokens: 100, output_config: { format: { type: "json_schema", schema } }, messages: [user('[[structured:{"answer": 42}]] an-12')] })
      .withResponse();
    expect(data.content).toEqual([{ type: "text", text: '{"answer":42}' }]);
    const job = (await gw.json("GET", `/api/v1/jobs/${response.headers.get("x-claudegate-job-id")}`)).body;
    expect(job).toMatchObject({ status: "completed", json_schema: schema });
  });

  it("raises the SDK's own error classes with the right status, in Anthropic's error shape", async () => {
    const bad = new Anthropic({ baseURL: gw.url, apiKey: "wrong", maxRetries: 0 });
    const auth = await fail(bad.messages.create({ model: "haiku", max_tokens: 10, messages: [user("x")] }));
    expect(auth).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(auth).toMatchObject({ status: 401, error: { type: "error", error: { type: "authentication_error", message: "invalid API key" } } });

    const cases: [object, new (...args: never[]) => Error, number, string][] = [
      [{ tools: [{ name: "f", input_schema: { type: "object" } }] }, Anthropic.BadRequestError, 400, "tool use is not supported"],
      [{ messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }] }] }, Anthropic.BadRequestError, 400, "image inputs are not supported"],
      [{ model: "claude-Instant-1" }, Anthropic.NotFoundError, 404, "'claude-Instant-1' does not exist"],
    ];
    for (const [patch, cls, status, message] of cases) {
      const err = await fail(client.messages.create({ model: "haiku", max_tokens: 10, messages: [user("refused an-3")], ...patch } as never));
      expect(err, JSON.stringify(patch)).toBeInstanceOf(cls);
      expect((err as APIError).status).toBe(status);
      expect((err as APIError).message).toContain(message);
    }
    expect(mainRequestFor("refused an-3")).toBeUndefined();

    const raw = await fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "Content-Type": "application/json", "x-api-key": API_KEY }, body: "{" });
    expect(raw.status).toBe(400);
    const body = await raw.json();
    expect(body).toEqual(anthropicErrorSchema.parse(body));
    expect(body).toEqual({ type: "error", error: { type: "invalid_request_error", message: "invalid JSON body" } });
  });

  it("turns a failed job into a 5xx the SDK does not retry, and a failing stream into an error event", async () => {
    const retrying = new Anthropic({ baseURL: gw.url, apiKey: API_KEY, maxRetries: 2 });
    const err = await fail(retrying.messages.create({ model: "haiku", max_tokens: 10, messages: [user("[[status:400]] an-4")] }));
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as APIError).status).toBe(502);
    const jobId = (err as APIError).headers!.get("x-claudegate-job-id")!;
    expect((err as APIError).message).toContain(`job ${jobId} failed: API Error: 400`);
    // x-should-retry: false, so one job and one CLI run (which may itself send the request more than once).
    expect(cliRuns(fake.requests.filter((r) => r.kind === "main" && r.prompt.includes("an-4")))).toBe(1);

    const streamErr = await fail(client.messages.stream({ model: "haiku", max_tokens: 10, messages: [user("[[status:400]] an-5")] }).finalMessage());
    expect(streamErr).toBeInstanceOf(Anthropic.APIError);
    expect(streamErr).toMatchObject({ error: { type: "error", error: { type: "api_error" } } });
    expect((streamErr as APIError).message).toContain("failed: API Error: 400");
  });

  it("leaves the job to complete when the client disconnects mid-stream", async () => {
    const stream = client.messages.stream({ model: "haiku", max_tokens: 10, messages: [user("[[chunks:6]][[delay:200]] an-6")] });
    await new Promise<void>((resolve) => stream.on("text", () => resolve()));
    const ended = stream.done().then(() => undefined, (e: unknown) => e);
    stream.abort();
    expect(await ended).toBeInstanceOf(Anthropic.APIUserAbortError);
    const done = await gw.waitJob(stream.response!.headers.get("x-claudegate-job-id")!);
    expect(done).toMatchObject({ status: "completed", result: "c1 c2 c3 c4 c5 c6 " });
  });

  it("lists the models in Anthropic's shape (chosen by the anthropic-version header)", async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(["haiku", "sonnet", "opus"]);
    const raw = (await gw.json("GET", "/v1/models", undefined, { "anthropic-version": "2023-06-01" })).body;
    expect(raw).toEqual(anthropicModelListSchema.parse(raw));
  });
});

describe("Anthropic Messages over several turns", () => {
  const assistant = (content: string) => ({ role: "assistant" as const, content });
  const jobOf = async (id: string | null) => (await gw.json("GET", `/api/v1/jobs/${id}`)).body;
  const first = [user("My name is Ada. [[reply:Hello |Ada!]] an-t1")];
  let session1 = "";

  it("continues the session of a conversation it answered (streamed or not): the API gets the earlier turns once", async () => {
    const { data: m1, response: r1 } = await client.messages.create({ model: "haiku", max_tokens: 100, system: "Be brief.", messages: first }).withResponse();
    const a1 = (m1.content[0] as Anthropic.TextBlock).text;
    session1 = (await jobOf(r1.headers.get("x-claudegate-job-id"))).session_id;
    const second = [...first, assistant(a1), user("[[reply:Noted |that.]] I live in Oslo. an-t2")];
    const stream = client.messages.stream({ model: "haiku", max_tokens: 100, system: "Be brief.", messages: second });
    const a2 = (await stream.finalText());
    const job2 = await jobOf(stream.response!.headers.get("x-claudegate-job-id"));
    // Text blocks or a string: the same text, so the same conversation.
    const third = [...second, { role: "assistant" as const, content: [{ type: "text" as const, text: a2 }] }, user("Where do I live? an-t3")];
    const { response: r3 } = await client.messages.create({ model: "haiku", max_tokens: 100, system: "Be brief.", messages: third }).withResponse();
    expect([a1, a2, job2.session_id, (await jobOf(r3.headers.get("x-claudegate-job-id"))).session_id]).toEqual(["Hello Ada!", "Noted that.", session1, session1]);

    const call = mainRequestFor("an-t3")!;
    expect(call.prompt).toBe("Where do I live? an-t3");
    const text = (c: unknown) => (typeof c === "string" ? c : (c as { text: string }[]).map((b) => b.text).join(""));
    const turns = (call.body.messages as { role: string; content: unknown }[]).filter((m) => m.role !== "system").map((m) => [m.role, text(m.content)]);
    expect(turns).toEqual([
      ["user", first[0]!.content],
      ["assistant", "Hello Ada!"],
      ["user", "[[reply:Noted |that.]] I live in Oslo. an-t2"],
      ["assistant", "Noted that."],
      ["user", "Where do I live? an-t3"],
    ]);
  });

  it("gives an edited history, another system prompt, or another key's same history as a transcript", async () => {
    const other = await createTenant(gw, "an-other");
    const cases = [
      { c: client, system: "Be brief.", messages: [...first, assistant("Hello Bob!"), user("What is my name? an-t4")] },
      { c: client, system: "Be long.", messages: [...first, assistant("Hello Ada!"), user("What is my name? an-t5")] },
      { c: new Anthropic({ baseURL: gw.url, apiKey: other.key, maxRetries: 0 }), system: "Be brief.", messages: [...first, assistant("Hello Ada!"), user("What is my name? an-t6")] },
    ];
    for (const [i, { c, system, messages }] of cases.entries()) {
      const { response } = await c.messages.create({ model: "haiku", max_tokens: 100, system, messages }).withResponse();
      expect((await jobOf(response.headers.get("x-claudegate-job-id"))).session_id, `case ${i}`).not.toBe(session1);
      expect(mainRequestFor(`an-t${i + 4}`)!.prompt.startsWith(`${TRANSCRIPT_HEAD}\n<transcript>\n<user>\nMy name is Ada.`), `case ${i}`).toBe(true);
    }
  });
});

describe("Anthropic Messages with CLAUDEGATE_COMPAT_CANCEL_ON_DISCONNECT, a queue of one, and the fake CLI", () => {
  let g2: GatewayProcess;
  let c2: Anthropic;
  beforeAll(async () => {
    g2 = await GatewayProcess.start({
      env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_COMPAT_CANCEL_ON_DISCONNECT: "true", CLAUDEGATE_CONCURRENCY: "1", CLAUDEGATE_QUEUE_SIZE: "1" },
    });
    c2 = new Anthropic({ baseURL: g2.url, apiKey: API_KEY, maxRetries: 0 });
  });
  afterAll(async () => {
    await g2?.stop();
  });

  it("cancels the job when the client disconnects mid-stream", async () => {
    const stream = c2.messages.stream({ model: "haiku", max_tokens: 10, messages: [user("[[reply:a|b|c|d|e|f]][[delay:300]] an-7")] });
    await new Promise<void>((resolve) => stream.on("text", () => resolve()));
    const ended = stream.done().then(() => undefined, (e: unknown) => e);
    stream.abort();
    expect(await ended).toBeInstanceOf(Anthropic.APIUserAbortError);
    const done = await g2.waitJob(stream.response!.headers.get("x-claudegate-job-id")!);
    expect(done).toMatchObject({ status: "cancelled", error_code: "cancelled" });
  });

  it("cancels the job when a non-streaming client gives up waiting", async () => {
    const abort = new AbortController();
    const request = c2.messages.create({ model: "haiku", max_tokens: 10, messages: [user("[[hang]] an-11")] }, { signal: abort.signal });
    const settled = request.then(() => undefined, (e: unknown) => e);
    const job = await waitUntil(async () => (await g2.json("GET", "/api/v1/jobs?limit=20")).body.jobs.find((j: any) => j.prompt.includes("an-11") && j.status === "processing"), 30_000, "the job to run");
    abort.abort();
    expect(await settled).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(await g2.waitJob(job.job_id)).toMatchObject({ status: "cancelled", error_code: "cancelled" });
  });

  it("answers 529 overloaded (the SDK's OverloadedError) when the queue is full", async () => {
    const running = await g2.submit({ prompt: "[[hang]] an-8" });
    await g2.waitJob(running.job_id, (j) => j.status === "processing");
    const queued = await g2.submit({ prompt: "[[hang]] an-9" });
    const err = await fail(c2.messages.create({ model: "haiku", max_tokens: 10, messages: [user("an-10")] }));
    expect(err).toBeInstanceOf(Anthropic.OverloadedError);
    expect(err).toMatchObject({ status: 529, error: { type: "error", error: { type: "overloaded_error", message: "server busy, retry later" } } });
    for (const id of [queued.job_id, running.job_id]) await g2.json("POST", `/api/v1/jobs/${id}/cancel`);
  });
});

describe("Anthropic Messages under CLAUDEGATE_RATE_LIMIT, CLAUDEGATE_ALLOWED_MODELS and key policies, with the fake CLI", () => {
  let limited: GatewayProcess;
  beforeAll(async () => {
    limited = await GatewayProcess.start({
      env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_RATE_LIMIT: "1", CLAUDEGATE_ALLOWED_MODELS: "haiku,claude-house-model" },
    });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it("raises the SDK's RateLimitError with Retry-After once the key's bucket is empty", async () => {
    const c = new Anthropic({ baseURL: limited.url, apiKey: API_KEY, maxRetries: 0 });
    const first = await fail(c.messages.create({ model: "haiku", max_tokens: 10, messages: [user("x")], tools: [{ name: "f", input_schema: { type: "object" } }] }));
    expect(first).toBeInstanceOf(Anthropic.BadRequestError); // refused, but it took the bucket's one token
    const second = await fail(c.messages.create({ model: "haiku", max_tokens: 10, messages: [user("x")] }));
    expect(second).toBeInstanceOf(Anthropic.RateLimitError);
    expect(second).toMatchObject({ status: 429, error: { type: "error", error: { type: "rate_limit_error" } } });
    expect((second as APIError).headers!.get("retry-after")).toBe("1");
  });

  /** A tenant key with its own rate, so the gateway's bucket of one does not get in the way. */
  const tenantClient = async (name: string, policy: Record<string, unknown>) => {
    const t = await createTenant(limited, name, { rate_limit: 1000, ...policy });
    return new Anthropic({ baseURL: limited.url, apiKey: t.key, maxRetries: 0 });
  };

  it("raises RateLimitError (429, Retry-After) once the key's budget is spent", async () => {
    const c = await tenantClient("an-budget", { budget_usd: 0.5, budget_period: "day" });
    await c.messages.create({ model: "haiku", max_tokens: 10, messages: [user("[[cost:0.6]] an-b1")] });
    const err = await fail(c.messages.create({ model: "haiku", max_tokens: 10, messages: [user("an-b2")] }));
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err).toMatchObject({ status: 429, error: { type: "error", error: { type: "rate_limit_error", message: expect.stringMatching(/^budget exhausted: \$0\.6000 of \$0\.5 this day spent/) } } });
    const retryAfter = Number((err as APIError).headers!.get("retry-after"));
    expect(retryAfter >= 1 && retryAfter <= 86_400).toBe(true);
  });

  it("raises PermissionDeniedError (403) for a model the key's policy.models leaves out, and lists only its models", async () => {
    const c = await tenantClient("an-models", { models: ["haiku"] });
    expect((await c.models.list()).data.map((m) => m.id)).toEqual(["haiku"]);
    const err = await fail(c.messages.create({ model: "claude-house-model", max_tokens: 10, messages: [user("an-m1")] }));
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(err).toMatchObject({ status: 403, error: { type: "error", error: { type: "permission_error", message: 'model "claude-house-model" is not allowed for this key (policy.models: haiku)' } } });
  });

  it("serves an operator-defined model name from CLAUDEGATE_ALLOWED_MODELS, lists it, and refuses the others with 404", async () => {
    const c = await tenantClient("an-house", {});
    expect((await c.models.list()).data.map((m) => [m.id, m.display_name])).toEqual([["haiku", "Claude Haiku"], ["claude-house-model", "claude-house-model"]]);
    const { data, response } = await c.messages.create({ model: "claude-house-model", max_tokens: 10, messages: [user("an-h1")] }).withResponse();
    expect(data.model).toBe("claude-house-model");
    expect((await limited.json("GET", `/api/v1/jobs/${response.headers.get("x-claudegate-job-id")}`)).body).toMatchObject({ status: "completed", model: "claude-house-model" });
    const err = await fail(c.messages.create({ model: "sonnet", max_tokens: 10, messages: [user("an-h2")] }));
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect(err).toMatchObject({ status: 404, error: { type: "error", error: { type: "not_found_error" } } });
  });
});

describe("Anthropic Messages stream of a quiet job (CLAUDEGATE_SSE_HEARTBEAT_SECONDS=1, the fake CLI)", () => {
  let g3: GatewayProcess;
  beforeAll(async () => {
    g3 = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_SSE_HEARTBEAT_SECONDS: "1" } });
  });
  afterAll(async () => {
    await g3?.stop();
  });

  it("keeps the stream alive with the Messages API's own ping event while the job says nothing", async () => {
    const abort = new AbortController();
    const res = await fetch(`${g3.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": API_KEY, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "haiku", max_tokens: 10, stream: true, messages: [user("[[hang]] an-12")] }),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const pings = () => text.split('event: ping\ndata: {"type":"ping"}\n\n').length - 1;
    const giveUp = setTimeout(() => abort.abort(), 10_000); // a read that waits for a ping that never comes ends here
    // The opening holds one ping; every further one is the heartbeat (each second).
    while (pings() < 3) text += decoder.decode((await reader.read()).value, { stream: true });
    clearTimeout(giveUp);
    abort.abort();
    expect(pings()).toBeGreaterThanOrEqual(3); // two reads' worth may arrive together
    expect(text).not.toContain("content_block_delta");
    await g3.json("POST", `/api/v1/jobs/${res.headers.get("x-claudegate-job-id")}/cancel`);
  });
});
