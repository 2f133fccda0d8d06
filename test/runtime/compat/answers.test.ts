// The compatible APIs' answers built from a job: whole objects, stream frames, errors and the status of a failure.
import { describe, expect, it } from "vitest";
import { anthropicAnswer } from "../../../runtime/compat/anthropic-answer";
import type { Outcome } from "../../../runtime/compat/answer";
import { dialectOf, errorBody } from "../../../runtime/compat/errors";
import { jobFault } from "../../../runtime/compat/job-fault";
import { openaiAnswer } from "../../../runtime/compat/openai-answer";

const ctx = { jobId: "j1", model: "claude-haiku-4-5", created: 1700000000, includeUsage: true };
const usage = { input_tokens: 10, cache_creation_input_tokens: 5, cache_read_input_tokens: 100, output_tokens: 3, service_tier: "standard" };
const done: Outcome = { status: "completed", result: "Hello", error: "", errorCode: "", usage };

/** The JSON data of each `data:` line of SSE text, and the event names. */
function frames(text: string): { event?: string; data: string }[] {
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      return { ...(event ? { event } : {}), data: /^data: (.*)$/m.exec(block)![1]! };
    });
}

describe("openaiAnswer", () => {
  const a = openaiAnswer(ctx);

  it("answers a chat.completion with the CLI's usage as OpenAI counts it (cached input included)", () => {
    expect(a.complete(done)).toEqual({
      id: "chatcmpl-j1",
      object: "chat.completion",
      created: 1700000000,
      model: "claude-haiku-4-5",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello", refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 115, completion_tokens: 3, total_tokens: 118, prompt_tokens_details: { cached_tokens: 100 } },
    });
  });

  it("streams a role chunk, content deltas, a finish chunk, a usage chunk and [DONE]", () => {
    const f = frames(a.start() + a.delta("Hel") + a.delta("lo") + a.finish(done));
    expect(f.map((x) => x.data.startsWith("{") ? JSON.parse(x.data).choices[0]?.delta ?? "usage" : x.data)).toEqual([
      { role: "assistant", content: "" },
      { content: "Hel" },
      { content: "lo" },
      {},
      "usage",
      "[DONE]",
    ]);
    expect(JSON.parse(f[3]!.data).choices[0].finish_reason).toBe("stop");
    expect(JSON.parse(f[4]!.data)).toMatchObject({ choices: [], usage: { prompt_tokens: 115, completion_tokens: 3 } });
    expect(JSON.parse(f[1]!.data)).toMatchObject({ id: "chatcmpl-j1", object: "chat.completion.chunk", usage: null });
  });

  it("leaves the usage chunk out unless asked for", () => {
    const f = frames(openaiAnswer({ ...ctx, includeUsage: false }).finish(done));
    expect(f.map((x) => x.data.slice(0, 6))).toEqual(['{"id":', "[DONE]"]);
    expect(JSON.parse(f[0]!.data)).not.toHaveProperty("usage");
  });

  it("ends a failed stream with an error data line", () => {
    expect(frames(a.fail({ status: 502, message: "boom", code: "api_error" }))).toEqual([
      { data: JSON.stringify({ error: { message: "boom", type: "server_error", param: null, code: "api_error" } }) },
    ]);
  });
});

describe("anthropicAnswer", () => {
  const a = anthropicAnswer(ctx);

  it("answers a message with the CLI's usage", () => {
    expect(a.complete(done)).toEqual({
      id: "msg_j1",
      type: "message",
      role: "assistant",
      model: "claude-haiku-4-5",
      content: [{ type: "text", text: "Hello" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 3, cache_creation_input_tokens: 5, cache_read_input_tokens: 100 },
    });
  });

  it("streams the Messages API's event sequence", () => {
    const f = frames(a.start() + a.delta("Hel") + a.finish(done));
    expect(f.map((x) => x.event)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    for (const x of f) expect(JSON.parse(x.data).type).toBe(x.event);
    expect(JSON.parse(f[3]!.data).delta).toEqual({ type: "text_delta", text: "Hel" });
    expect(JSON.parse(f[5]!.data)).toMatchObject({ delta: { stop_reason: "end_turn" }, usage: { input_tokens: 10, output_tokens: 3 } });
  });

  it("ends a failed stream with an error event", () => {
    expect(frames(a.fail({ status: 504, message: "late" }))).toEqual([
      { event: "error", data: JSON.stringify({ type: "error", error: { type: "api_error", message: "late" } }) },
    ]);
  });
});

describe("errors", () => {
  it("picks the dialect by path, then by anthropic-version", () => {
    expect(dialectOf("/v1/chat/completions", undefined)).toBe("openai");
    expect(dialectOf("/v1/chat/completions", "2023-06-01")).toBe("openai");
    expect(dialectOf("/v1/messages", undefined)).toBe("anthropic");
    expect(dialectOf("/v1/models", "2023-06-01")).toBe("anthropic");
    expect(dialectOf("/v1/models", undefined)).toBe("openai");
    expect(dialectOf("/api/v1/jobs", "2023-06-01")).toBeUndefined();
    expect(dialectOf("/v1x", undefined)).toBeUndefined();
  });

  it("renders each status in each API's shape; a full queue is Anthropic's 529 overloaded", () => {
    expect(errorBody("openai", { status: 429, message: "slow down" })).toEqual({
      status: 429,
      body: { error: { message: "slow down", type: "requests", param: null, code: "rate_limit_exceeded" } },
    });
    expect(errorBody("openai", { status: 401, message: "invalid API key" }).body).toEqual({
      error: { message: "invalid API key", type: "invalid_request_error", param: null, code: "invalid_api_key" },
    });
    expect(errorBody("anthropic", { status: 401, message: "invalid API key" })).toEqual({
      status: 401,
      body: { type: "error", error: { type: "authentication_error", message: "invalid API key" } },
    });
    expect(errorBody("anthropic", { status: 503, message: "server busy" })).toEqual({
      status: 529,
      body: { type: "error", error: { type: "overloaded_error", message: "server busy" } },
    });
    expect(errorBody("anthropic", { status: 409, message: "x" }).body).toMatchObject({ error: { type: "invalid_request_error" } });
  });

  it("maps a job's failure to a status by its error code", () => {
    expect(jobFault("j1", { status: "failed", error: "API Error: 400", errorCode: "api_error" })).toEqual({
      status: 502,
      message: "job j1 failed: API Error: 400",
      code: "api_error",
    });
    expect(jobFault("j1", { status: "failed", error: "job timed out after 1m", errorCode: "timeout" }).status).toBe(504);
    expect(jobFault("j1", { status: "cancelled", error: "", errorCode: "" })).toEqual({ status: 409, message: "job j1 cancelled: cancelled", code: "cancelled" });
  });
});
