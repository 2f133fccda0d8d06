// POST /v1/messages → a job submission. Text conversations only: tools, images, documents and extended thinking
// are refused with a 400 that says so; max_tokens is required as by Anthropic's API and, like the sampling knobs
// (temperature, top_p, top_k, stop_sequences), accepted and not applied (README: "OpenAI- and
// Anthropic-compatible APIs").
import { refuse, type Parsed } from "./errors";
import { resolveModel } from "./models";
import { isObject, positiveInt, present, textOf, type CompatRequest } from "./request";
import { isTurnRole, promptFromTurns, TURN_ROLES, type Turn } from "./transcript";

const TOOLS = "tool use is not supported by this gateway";
const BLOCK_REFUSALS: Record<string, string> = {
  image: "image inputs are not supported by this gateway",
  document: "document inputs are not supported by this gateway",
  tool_use: TOOLS,
  tool_result: TOOLS,
  server_tool_use: TOOLS,
  thinking: "thinking blocks are not supported by this gateway",
  redacted_thinking: "thinking blocks are not supported by this gateway",
};

/** `allowedModels`: CLAUDEGATE_ALLOWED_MODELS (empty: any name the job API takes). */
export function parseMessagesRequest(body: unknown, allowedModels: readonly string[] = []): Parsed<CompatRequest> {
  if (!isObject(body)) return refuse("the request body must be a JSON object");
  for (const field of ["tools", "tool_choice"]) if (present(body[field])) return refuse(TOOLS, field);
  if (isObject(body.thinking) && body.thinking.type !== "disabled") return refuse("extended thinking is not supported by this gateway", "thinking");
  const model = resolveModel(body.model, allowedModels);
  if (!model.ok) return model;
  const limit = positiveInt(body.max_tokens, "max_tokens", true);
  if (!limit.ok) return limit;
  if (body.stream !== undefined && typeof body.stream !== "boolean") return refuse("stream must be a boolean", "stream");
  if (body.metadata !== undefined && !isObject(body.metadata)) return refuse("metadata must be an object", "metadata");
  const format = outputFormat(body.output_config);
  if (!format.ok) return format;

  const system = body.system === undefined ? { ok: true as const, value: "" } : textOf(body.system, "system", BLOCK_REFUSALS);
  if (!system.ok) return system;
  const turns = conversation(body.messages);
  if (!turns.ok) return turns;
  const prompt = promptFromTurns(turns.value);
  if (!prompt.ok) return prompt;
  return {
    ok: true,
    value: {
      model: body.model as string,
      submit: {
        prompt: prompt.value,
        model: model.value,
        ...(system.value ? { system_prompt: system.value } : {}),
        ...(format.value ? { json_schema: format.value } : {}),
        metadata: { api: "anthropic.messages", model: body.model, metadata: body.metadata },
      },
      conversation: { system: system.value, turns: turns.value },
      stream: body.stream === true,
      includeUsage: false,
    },
  };
}

/** `output_config.format` (structured outputs): its schema becomes the job's json_schema. */
function outputFormat(config: unknown): Parsed<Record<string, unknown> | undefined> {
  const format = isObject(config) ? config.format : undefined;
  if (format === undefined || format === null) return { ok: true, value: undefined };
  if (!isObject(format) || format.type !== "json_schema" || !isObject(format.schema)) {
    return refuse("output_config.format must be {\"type\": \"json_schema\", \"schema\": {...}}", "output_config.format");
  }
  return { ok: true, value: format.schema };
}

function conversation(messages: unknown): Parsed<Turn[]> {
  if (!Array.isArray(messages) || messages.length === 0) return refuse("messages: at least one message is required", "messages");
  const turns: Turn[] = [];
  for (const [i, m] of messages.entries()) {
    const param = `messages.${i}`;
    if (!isObject(m) || !isTurnRole(m.role)) return refuse(`${param}.role must be ${TURN_ROLES.join(" or ")}`, `${param}.role`);
    const text = textOf(m.content, `${param}.content`, BLOCK_REFUSALS);
    if (!text.ok) return text;
    turns.push({ role: m.role, text: text.value });
  }
  return { ok: true, value: turns };
}
