// The compatible APIs' requests as job submissions: what is taken, what is refused (and how it says so).
import { describe, expect, it } from "vitest";
import { parseMessagesRequest } from "../../../runtime/compat/anthropic-request";
import { resolveModel } from "../../../runtime/compat/models";
import { parseChatCompletion } from "../../../runtime/compat/openai-request";
import { NEW_MESSAGE_HEAD, promptFromTurns, TRANSCRIPT_HEAD } from "../../../runtime/compat/transcript";

const user = (content: unknown) => ({ role: "user", content });

describe("parseChatCompletion", () => {
  it("turns system and user text (a string or text parts) into the submit body", () => {
    const r = parseChatCompletion({
      model: "claude-sonnet-4-5-20250929",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Use English." }] },
        user([{ type: "text", text: "Hello" }, { type: "text", text: "there" }]),
      ],
      user: "u-1",
      metadata: { ticket: "42" },
      max_tokens: 100,
      temperature: 0.2,
    });
    expect(r).toEqual({
      ok: true,
      value: {
        model: "claude-sonnet-4-5-20250929",
        submit: {
          prompt: "Hello\nthere",
          model: "claude-sonnet-4-5-20250929",
          system_prompt: "Be brief.\n\nUse English.",
          metadata: { api: "openai.chat.completions", model: "claude-sonnet-4-5-20250929", user: "u-1", metadata: { ticket: "42" } },
        },
        conversation: { system: "Be brief.\n\nUse English.", turns: [{ role: "user", text: "Hello\nthere" }] },
        stream: false,
        includeUsage: false,
      },
    });
  });

  it("maps json_object to the json mode, and stream_options.include_usage only when streaming", () => {
    const r = parseChatCompletion({ model: "haiku", messages: [user("x")], response_format: { type: "json_object" }, stream: true, stream_options: { include_usage: true } });
    expect(r.ok && r.value.submit.response_format).toBe("json");
    expect(r.ok && [r.value.stream, r.value.includeUsage]).toEqual([true, true]);
    const plain = parseChatCompletion({ model: "haiku", messages: [user("x")], stream_options: { include_usage: true } });
    expect(plain.ok && plain.value.includeUsage).toBe(false);
  });

  it.each([
    [{ n: 2 }, 400, "n must be 1: this gateway returns one choice per request", "n"],
    [{ tools: [{ type: "function", function: { name: "f" } }] }, 400, "tool and function calling is not supported by this gateway", "tools"],
    [{ tool_choice: "auto" }, 400, "tool and function calling is not supported by this gateway", "tool_choice"],
    [{ audio: { voice: "alloy", format: "wav" } }, 400, "audio output is not supported by this gateway: only text", "audio"],
    [{ logprobs: true }, 400, "logprobs are not supported by this gateway", "logprobs"],
    [{ max_tokens: 0 }, 400, "max_tokens must be a positive integer", "max_tokens"],
    [{ response_format: { type: "json_schema", json_schema: { name: "x" } } }, 400, "response_format.json_schema.schema must be a JSON Schema object", "response_format"],
    [{ model: "gpt-4o" }, 404, "The model 'gpt-4o' does not exist or is not served here: use haiku, sonnet, opus or a full model id (claude-...)", "model"],
    [{ messages: [user([{ type: "image_url", image_url: { url: "https://x/y.png" } }])] }, 400, "image inputs are not supported by this gateway", "messages[0].content[0]"],
    [{ messages: [{ role: "tool", content: "r", tool_call_id: "t" }, user("x")] }, 400, "tool and function calling is not supported by this gateway", "messages[0]"],
    [{ messages: [user("x"), { role: "assistant", content: "y" }] }, 400, "the last message must be from the user (assistant prefill is not supported)", "messages"],
    [{ messages: [] }, 400, "messages must be a non-empty list", "messages"],
  ])("refuses %j with %i", (patch, status, message, param) => {
    expect(parseChatCompletion({ model: "haiku", messages: [user("x")], ...patch })).toMatchObject({ ok: false, fault: { status, message, param } });
  });

  it("gives a json_schema response_format's schema to the job", () => {
    const schema = { type: "object", properties: { answer: { type: "integer" } } };
    const r = parseChatCompletion({ model: "haiku", messages: [user("x")], response_format: { type: "json_schema", json_schema: { name: "a", strict: true, schema } } });
    expect(r.ok && r.value.submit).toMatchObject({ json_schema: schema });
    expect(r.ok && r.value.submit).not.toHaveProperty("response_format");
  });

  it("accepts n: 1, tool_choice none and empty tool lists", () => {
    expect(parseChatCompletion({ model: "haiku", messages: [user("x")], n: 1, tools: [], tool_choice: "none" }).ok).toBe(true);
  });
});

describe("parseMessagesRequest", () => {
  it("takes the system (string or blocks) and the turns", () => {
    const r = parseMessagesRequest({
      model: "opus",
      max_tokens: 1024,
      system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
      messages: [user("Hi"), { role: "assistant", content: [{ type: "text", text: "Hello!" }] }, user("How are you?")],
      metadata: { user_id: "u-1" },
      stream: true,
    });
    expect(r).toEqual({
      ok: true,
      value: {
        model: "opus",
        submit: {
          prompt: `${TRANSCRIPT_HEAD}\n<transcript>\n<user>\nHi\n</user>\n<assistant>\nHello!\n</assistant>\n</transcript>\n\n${NEW_MESSAGE_HEAD}\nHow are you?`,
          model: "opus",
          system_prompt: "Be brief.",
          metadata: { api: "anthropic.messages", model: "opus", metadata: { user_id: "u-1" } },
        },
        conversation: {
          system: "Be brief.",
          turns: [{ role: "user", text: "Hi" }, { role: "assistant", text: "Hello!" }, { role: "user", text: "How are you?" }],
        },
        stream: true,
        includeUsage: false,
      },
    });
  });

  it.each([
    [{ max_tokens: undefined }, 400, "max_tokens is required", "max_tokens"],
    [{ tools: [{ name: "f", input_schema: {} }] }, 400, "tool use is not supported by this gateway", "tools"],
    [{ thinking: { type: "enabled", budget_tokens: 2000 } }, 400, "extended thinking is not supported by this gateway", "thinking"],
    [{ messages: [user([{ type: "image", source: { type: "base64", media_type: "image/png", data: "" } }])] }, 400, "image inputs are not supported by this gateway", "messages.0.content[0]"],
    [{ messages: [{ role: "system", content: "x" }] }, 400, "messages.0.role must be user or assistant", "messages.0.role"],
    [{ model: "claude" }, 404, expect.stringContaining("'claude' does not exist"), "model"],
  ])("refuses %j with %i", (patch, status, message, param) => {
    expect(parseMessagesRequest({ model: "haiku", max_tokens: 10, messages: [user("x")], ...patch })).toMatchObject({ ok: false, fault: { status, message, param } });
  });
});

describe("parseMessagesRequest output_config.format", () => {
  it("gives a json_schema format's schema to the job, and refuses other formats", () => {
    const schema = { type: "object" };
    const ok = parseMessagesRequest({ model: "haiku", max_tokens: 10, messages: [user("x")], output_config: { effort: "low", format: { type: "json_schema", schema } } });
    expect(ok.ok && ok.value.submit.json_schema).toEqual(schema);
    expect(parseMessagesRequest({ model: "haiku", max_tokens: 10, messages: [user("x")], output_config: { format: { type: "xml" } } })).toMatchObject({
      ok: false,
      fault: { status: 400, param: "output_config.format" },
    });
  });
});

describe("resolveModel", () => {
  it.each(["haiku", "claude-haiku-4-5-20251001", "claude-3-5-haiku-latest", "claude-sonnet-5", "claude-house-model"])("takes %s as the job API does, as written", (name) => {
    expect(resolveModel(name)).toEqual({ ok: true, value: name });
  });

  it.each(["", "gpt-4o", "claude", "sonnet-4", "HAIKU", "claude-Sonnet"])("refuses %j", (name) => {
    expect(resolveModel(name).ok).toBe(false);
  });

  it("takes only CLAUDEGATE_ALLOWED_MODELS when the operator set it, and says which", () => {
    const allowed = ["haiku", "claude-house-model"];
    expect(resolveModel("claude-house-model", allowed)).toEqual({ ok: true, value: "claude-house-model" });
    expect(resolveModel("sonnet", allowed)).toEqual({
      ok: false,
      fault: { status: 404, code: "model_not_found", param: "model", message: "The model 'sonnet' does not exist or is not served here: use one of haiku, claude-house-model" },
    });
  });
});

describe("promptFromTurns", () => {
  it("sends a lone user message as it is", () => {
    expect(promptFromTurns([{ role: "user", text: "--help" }])).toEqual({ ok: true, value: "--help" });
  });

  it("refuses a last user message without text", () => {
    expect(promptFromTurns([{ role: "user", text: "  " }])).toMatchObject({ ok: false, fault: { message: "the last user message must contain text" } });
  });
});
