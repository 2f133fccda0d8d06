// The official `openai` SDK, unmodified, pointed at the built gateway's /v1: every request is a job run by the
// real pinned CLI against the suite's fake Messages API.
import OpenAI, { type APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatCompletionChunkSchema, chatCompletionSchema, openaiErrorSchema, openaiModelListSchema } from "../../runtime/openapi/schemas-compat";
import { cliRuns, startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { API_KEY, FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { createTenant } from "../support/tenants";
import { TRANSCRIPT_HEAD } from "../../runtime/compat/transcript";

let fake: FakeAnthropic;
let gw: GatewayProcess;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  gw = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_CONCURRENCY: "2" } });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: API_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
});

const user = (content: string) => ({ role: "user" as const, content });
const mainRequestFor = (marker: string) => fake.requests.find((r) => r.kind === "main" && r.prompt.includes(marker));
/** The fake API's figures for a 3-delta answer, as the CLI passes them through. */
const USAGE_3 = { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13, prompt_tokens_details: { cached_tokens: 0 } };

describe("OpenAI Chat Completions", () => {
  it("answers a chat.completion from a job that the job API shows with the same answer", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "haiku", messages: [{ role: "system", content: "Answer like a pirate." }, user("[[reply:Hello |from |the fake]] oa-1")] })
      .withResponse();
    const jobId = response.headers.get("x-claudegate-job-id")!;
    expect(data).toEqual(chatCompletionSchema.parse(data));
    expect(data).toMatchObject({ id: `chatcmpl-${jobId}`, object: "chat.completion", model: "haiku", usage: USAGE_3 });
    expect(data.choices).toEqual([{ index: 0, message: { role: "assistant", content: "Hello from the fake", refusal: null }, logprobs: null, finish_reason: "stop" }]);

    const job = (await gw.json("GET", `/api/v1/jobs/${jobId}`)).body;
    expect(job).toMatchObject({ status: "completed", result: "Hello from the fake", model: "haiku", metadata: { api: "openai.chat.completions", model: "haiku" } });
    expect(job.usage).toMatchObject({ input_tokens: 10, output_tokens: 3 });
    expect(data.created).toBe(Math.floor(Date.parse(job.created_at) / 1000)); // the job's creation, in Unix seconds
    expect(mainRequestFor("oa-1")!.system).toContain("Answer like a pirate.");
  });

  it("streams chunks with `for await` whose text is the reply exactly, and the usage last", async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: "claude-haiku-4-5-20251001", stream: true, stream_options: { include_usage: true }, messages: [user("[[reply:Once |upon |a time]] oa-2")] })
      .withResponse();
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    for (const c of chunks) expect(c).toEqual(chatCompletionChunkSchema.parse(c));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Once upon a time");
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null).filter(Boolean)).toEqual(["stop"]);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: USAGE_3, model: "claude-haiku-4-5-20251001" });
    const jobId = response.headers.get("x-claudegate-job-id")!;
    expect(chunks[0]!.id).toBe(`chatcmpl-${jobId}`);
    expect((await gw.json("GET", `/api/v1/jobs/${jobId}`)).body).toMatchObject({ status: "completed", result: "Once upon a time" });
  });

  it("gives the CLI the turns before the last user message as a transcript", async () => {
    await client.chat.completions.create({
      model: "haiku",
      messages: [user("My name is Ada."), { role: "assistant", content: "Hello Ada!" }, user("What is my name? oa-3")],
    });
    expect(mainRequestFor("oa-3")!.prompt).toBe(
      "The conversation so far (oldest first):\n<transcript>\n<user>\nMy name is Ada.\n</user>\n<assistant>\nHello Ada!\n</assistant>\n</transcript>\n\n" +
        "The user's new message:\nWhat is my name? oa-3",
    );
  });

  it("runs response_format json_object in the json mode: fences stripped, streamed whole", async () => {
    const reply = '[[reply:```json\n{"answer": |42}\n```]]';
    const r = await client.chat.completions.create({ model: "haiku", response_format: { type: "json_object" }, messages: [user(`${reply} oa-4`)] });
    expect(JSON.parse(r.choices[0]!.message.content!)).toEqual({ answer: 42 });
    expect(mainRequestFor("oa-4")!.system).toContain("RAW JSON only");
    const stream = await client.chat.completions.create({ model: "haiku", stream: true, response_format: { type: "json_object" }, messages: [user(`${reply} oa-5`)] });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    expect(text).toBe('{"answer": 42}');
  });

  it("runs response_format json_schema as the CLI's structured output (--json-schema)", async () => {
    const schema = { type: "object", properties: { answer: { type: "integer" } }, required: ["answer"], additionalProperties: false };
    const r = await client.chat.completions.create({
      model: "haiku",
      response_format: { type: "json_schema", json_schema: { name: "answer", strict: true, schema } },
      messages: [user('[[structured:{"answer": 42}]] oa-11')],
    });
    expect(JSON.parse(r.choices[0]!.message.content!)).toEqual({ answer: 42 });
    const main = mainRequestFor("oa-11")!;
    expect(main.body.tools.find((t: any) => t.name === "StructuredOutput").input_schema).toEqual(schema);
    const job = (await gw.json("GET", `/api/v1/jobs/${r.id.slice("chatcmpl-".length)}`)).body;
    expect(job).toMatchObject({ status: "completed", json_schema: schema, result: '{"answer":42}' });

    const stream = await client.chat.completions.create({
      model: "haiku",
      stream: true,
      response_format: { type: "json_schema", json_schema: { name: "answer", schema } },
      messages: [user('[[structured:{"answer": 7}]] oa-12')],
    });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    expect(text).toBe('{"answer":7}');
  });

  it("raises the SDK's own error classes with the right status, in OpenAI's error shape", async () => {
    const fail = <T>(p: Promise<T>) => p.then(() => undefined, (e: unknown) => e);
    const bad = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "wrong", maxRetries: 0 });
    const auth = await fail(bad.chat.completions.create({ model: "haiku", messages: [user("x")] }));
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(auth).toMatchObject({ status: 401, code: "invalid_api_key" });

    const cases: [object, new (...args: never[]) => Error, number, string][] = [
      [{ n: 2 }, OpenAI.BadRequestError, 400, "n must be 1"],
      [{ tools: [{ type: "function", function: { name: "f", parameters: {} } }] }, OpenAI.BadRequestError, 400, "tool and function calling is not supported"],
      [{ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }] }, OpenAI.BadRequestError, 400, "image inputs are not supported"],
      [{ model: "gpt-4o" }, OpenAI.NotFoundError, 404, "The model 'gpt-4o' does not exist"],
    ];
    for (const [patch, cls, status, message] of cases) {
      const err = await fail(client.chat.completions.create({ model: "haiku", messages: [user("refused oa-6")], ...patch } as never));
      expect(err, JSON.stringify(patch)).toBeInstanceOf(cls);
      expect((err as APIError).status).toBe(status);
      expect((err as APIError).message).toContain(message);
    }
    expect(mainRequestFor("refused oa-6")).toBeUndefined(); // none of them became a run

    const raw = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(raw.status).toBe(401);
    const body = await raw.json();
    expect(body).toEqual(openaiErrorSchema.parse(body));
    expect(body.error).toEqual({ message: "missing API key: send Authorization: Bearer <key>", type: "invalid_request_error", param: null, code: "invalid_api_key" });

    const keyed = { Authorization: `Bearer ${API_KEY}` };
    const wrongMethod = await gw.json("GET", "/v1/chat/completions", undefined, keyed);
    expect([wrongMethod.status, wrongMethod.headers.get("allow"), wrongMethod.body]).toEqual([
      405,
      "POST",
      { error: { message: "method not allowed", type: "invalid_request_error", param: null, code: null } },
    ]);
    const unknown = await gw.json("POST", "/v1/completions", {}, keyed);
    expect([unknown.status, unknown.body]).toEqual([404, { error: { message: "not found", type: "invalid_request_error", param: null, code: "not_found" } }]);
  });

  it("turns a failed job into a 5xx the SDK does not retry, and a failing stream into an APIError", async () => {
    const retrying = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: API_KEY, maxRetries: 2 });
    const err = await retrying.chat.completions.create({ model: "haiku", messages: [user("[[status:400]] oa-7")] }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: 502, code: "api_error" });
    const jobId = (err as APIError).headers!.get("x-claudegate-job-id")!;
    expect((err as APIError).message).toContain(`job ${jobId} failed: API Error: 400`);
    expect((await gw.json("GET", `/api/v1/jobs/${jobId}`)).body).toMatchObject({ status: "failed", error_code: "api_error" });
    // x-should-retry: false, so one job and one CLI run (which may itself send the request more than once).
    expect(cliRuns(fake.requests.filter((r) => r.kind === "main" && r.prompt.includes("oa-7")))).toBe(1);

    const stream = await client.chat.completions.create({ model: "haiku", stream: true, messages: [user("[[status:400]] oa-8")] });
    const streamErr = await (async () => {
      for await (const _ of stream);
    })().then(() => undefined, (e: unknown) => e);
    expect(streamErr).toBeInstanceOf(OpenAI.APIError);
    expect((streamErr as APIError).message).toContain("failed: API Error: 400");
  });

  it("leaves the job to complete when the client disconnects mid-stream", async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: "haiku", stream: true, messages: [user("[[chunks:6]][[delay:200]] oa-9")] })
      .withResponse();
    for await (const c of stream) if (c.choices[0]?.delta.content) break; // the SDK aborts the request
    const done = await gw.waitJob(response.headers.get("x-claudegate-job-id")!);
    expect(done).toMatchObject({ status: "completed", result: "c1 c2 c3 c4 c5 c6 " });
  });

  it("leaves the job to complete when a non-streaming client gives up waiting", async () => {
    const abort = new AbortController();
    const request = client.chat.completions.create({ model: "haiku", messages: [user("[[chunks:5]][[delay:200]] oa-10")] }, { signal: abort.signal });
    const settled = request.then(() => undefined, (e: unknown) => e);
    const job = await waitUntil(async () => (await gw.json("GET", "/api/v1/jobs?limit=20")).body.jobs.find((j: any) => j.prompt.includes("oa-10") && j.status === "processing"), 30_000, "the job to run");
    abort.abort();
    expect(await settled).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(await gw.waitJob(job.job_id)).toMatchObject({ status: "completed", result: "c1 c2 c3 c4 c5 " });
  });

  it("lists the models in OpenAI's shape", async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual(["haiku", "sonnet", "opus"]);
    const raw = (await gw.json("GET", "/v1/models", undefined, { Authorization: `Bearer ${API_KEY}` })).body;
    expect(raw).toEqual(openaiModelListSchema.parse(raw));
  });
});

describe("OpenAI Chat Completions over several turns", () => {
  const assistant = (content: string) => ({ role: "assistant" as const, content });
  const ask = async (c: OpenAI, messages: OpenAI.ChatCompletionMessageParam[]) => {
    const { data, response } = await c.chat.completions.create({ model: "haiku", messages: [{ role: "system", content: "Be brief." }, ...messages] }).withResponse();
    const job = (await gw.json("GET", `/api/v1/jobs/${response.headers.get("x-claudegate-job-id")}`)).body;
    return { answer: data.choices[0]!.message.content!, session: job.session_id as string };
  };
  const count = (text: string, marker: string) => text.split(marker).length - 1;
  const first = [user("My name is Ada. [[reply:Hello |Ada!]] oa-t1")];
  let t1: { answer: string; session: string };

  it("continues the session of a conversation it answered: the API gets the earlier turns once, as messages", async () => {
    t1 = await ask(client, first);
    expect(t1.answer).toBe("Hello Ada!");
    const second = [...first, assistant(t1.answer), user("[[reply:Noted |that.]] I live in Oslo. oa-t2")];
    const t2 = await ask(client, second);
    const t3 = await ask(client, [...second, assistant(t2.answer), user("Where do I live? oa-t3")]);
    expect([t2.session, t3.session]).toEqual([t1.session, t1.session]);

    const call = mainRequestFor("oa-t3")!;
    expect(call.prompt).toBe("Where do I live? oa-t3"); // the new message alone, no transcript
    // The resumed CLI sends the earlier turns as the real messages they were (plus its own `system` entries about
    // each run's environment), each once.
    const text = (c: unknown) => (typeof c === "string" ? c : (c as { text: string }[]).map((b) => b.text).join(""));
    const turns = (call.body.messages as { role: string; content: unknown }[]).filter((m) => m.role !== "system").map((m) => [m.role, text(m.content)]);
    expect(turns).toEqual([
      ["user", first[0]!.content],
      ["assistant", "Hello Ada!"],
      ["user", "[[reply:Noted |that.]] I live in Oslo. oa-t2"],
      ["assistant", "Noted that."],
      ["user", "Where do I live? oa-t3"],
    ]);
    const sent = JSON.stringify(call.body.messages);
    for (const earlier of ["oa-t1", "Hello Ada!", "oa-t2", "Noted that."]) expect(count(sent, earlier), earlier).toBe(1);
    expect(sent).not.toContain("<transcript>");
  });

  it("gives a conversation whose history was edited (an answer changed) as a transcript, in a new session", async () => {
    const r = await ask(client, [...first, assistant("Hello Bob!"), user("What is my name? oa-t4")]);
    expect(r.session).not.toBe(t1.session);
    expect(mainRequestFor("oa-t4")!.prompt.startsWith(`${TRANSCRIPT_HEAD}\n<transcript>\n<user>\nMy name is Ada.`)).toBe(true);
  });

  it("does not continue another key's conversation with the same history", async () => {
    const other = await createTenant(gw, "oa-other");
    const c = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: other.key, maxRetries: 0 });
    const r = await ask(c, [...first, assistant(t1.answer), user("What is my name? oa-t5")]);
    expect(r.session).not.toBe(t1.session);
    expect(mainRequestFor("oa-t5")!.prompt.startsWith(TRANSCRIPT_HEAD)).toBe(true);
  });
});

describe("OpenAI Chat Completions under CLAUDEGATE_RATE_LIMIT, CLAUDEGATE_ALLOWED_MODELS and key policies, with the fake CLI", () => {
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
    const c = new OpenAI({ baseURL: `${limited.url}/v1`, apiKey: API_KEY, maxRetries: 0 });
    const first = await c.chat.completions.create({ model: "haiku", messages: [user("x")], n: 2 }).then(() => undefined, (e: unknown) => e);
    expect(first).toBeInstanceOf(OpenAI.BadRequestError); // refused, but it took the bucket's one token
    const second = await c.chat.completions.create({ model: "haiku", messages: [user("x")] }).then(() => undefined, (e: unknown) => e);
    expect(second).toBeInstanceOf(OpenAI.RateLimitError);
    expect(second).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
    expect((second as APIError).headers!.get("retry-after")).toBe("1");
  });

  /** A tenant key with its own rate, so the gateway's bucket of one does not get in the way. */
  const tenantClient = async (name: string, policy: Record<string, unknown>) => {
    const t = await createTenant(limited, name, { rate_limit: 1000, ...policy });
    return new OpenAI({ baseURL: `${limited.url}/v1`, apiKey: t.key, maxRetries: 0 });
  };

  it("raises RateLimitError (429, Retry-After) once the key's budget is spent", async () => {
    const c = await tenantClient("oa-budget", { budget_usd: 0.5, budget_period: "day" });
    expect((await c.chat.completions.create({ model: "haiku", messages: [user("[[cost:0.6]] oa-b1")] })).choices[0]!.message.content).toBe("fake: [[cost:0.6]] oa-b1");
    const err = await c.chat.completions.create({ model: "haiku", messages: [user("oa-b2")] }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ status: 429, type: "requests", code: "rate_limit_exceeded", error: { message: expect.stringMatching(/^budget exhausted: \$0\.6000 of \$0\.5 this day spent/) } });
    const retryAfter = Number((err as APIError).headers!.get("retry-after"));
    expect(retryAfter >= 1 && retryAfter <= 86_400).toBe(true);
  });

  it("raises PermissionDeniedError (403) for a model the key's policy.models leaves out, and lists only its models", async () => {
    const c = await tenantClient("oa-models", { models: ["haiku"] });
    expect((await c.models.list()).data.map((m) => m.id)).toEqual(["haiku"]);
    const err = await c.chat.completions.create({ model: "claude-house-model", messages: [user("oa-m1")] }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err).toMatchObject({ status: 403, error: { message: 'model "claude-house-model" is not allowed for this key (policy.models: haiku)', type: "invalid_request_error" } });
  });

  it("serves an operator-defined model name from CLAUDEGATE_ALLOWED_MODELS, lists it, and refuses the others with 404", async () => {
    const c = await tenantClient("oa-house", {});
    expect((await c.models.list()).data.map((m) => m.id)).toEqual(["haiku", "claude-house-model"]);
    const { data, response } = await c.chat.completions.create({ model: "claude-house-model", messages: [user("oa-h1")] }).withResponse();
    expect(data.model).toBe("claude-house-model");
    const job = (await limited.json("GET", `/api/v1/jobs/${response.headers.get("x-claudegate-job-id")}`)).body;
    expect(job).toMatchObject({ status: "completed", model: "claude-house-model" });
    const err = await c.chat.completions.create({ model: "sonnet", messages: [user("oa-h2")] }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err).toMatchObject({ status: 404, code: "model_not_found", param: "model" });
  });
});
