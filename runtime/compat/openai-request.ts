// POST /v1/chat/completions → a job submission. Text conversations only: what the gateway cannot do (tools,
// images, audio, several choices, log probabilities) is refused with a 400 that says so; sampling
// knobs the CLI has no flag for (temperature, top_p, stop, penalties, seed) and the output limits are accepted
// and not applied (README: "OpenAI- and Anthropic-compatible APIs").
import { refuse, type Parsed } from "./errors";
import { resolveModel } from "./models";
import { isObject, positiveInt, present, textOf, type CompatRequest } from "./request";
import { isTurnRole, promptFromTurns, TURN_ROLES, type Turn } from "./transcript";

/** Message roles taken: the system ones make the system prompt, the others the turns. */
const SYSTEM_ROLES = ["system", "developer"] as const;
export const OPENAI_ROLES = [...SYSTEM_ROLES, ...TURN_ROLES] as const;
/** `response_format.type`s taken: `text` changes nothing, `json_object` is json mode, `json_schema` structured output. */
export const OPENAI_RESPONSE_FORMATS = ["text", "json_object", "json_schema"] as const;
const oneOf = (values: readonly string[]) => `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;

const TOOLS = "tool and function calling is not supported by this gateway";
const PART_REFUSALS: Record<string, string> = {
  image_url: "image inputs are not supported by this gateway",
  input_audio: "audio inputs are not supported by this gateway",
  file: "file inputs are not supported by this gateway",
  refusal: "refusal parts are not supported in messages",
};

/** `allowedModels`: CLAUDEGATE_ALLOWED_MODELS (empty: any name the job API takes). */
export function parseChatCompletion(body: unknown, allowedModels: readonly string[] = []): Parsed<CompatRequest> {
  if (!isObject(body)) return refuse("the request body must be a JSON object");
  for (const field of ["tools", "functions"]) if (present(body[field])) return refuse(TOOLS, field);
  for (const field of ["tool_choice", "function_call"]) {
    if (present(body[field]) && body[field] !== "none") return refuse(TOOLS, field);
  }
  if (present(body.n) && body.n !== 1) return refuse("n must be 1: this gateway returns one choice per request", "n");
  if (present(body.audio) || (Array.isArray(body.modalities) && body.modalities.some((m) => m !== "text"))) {
    return refuse("audio output is not supported by this gateway: only text", present(body.audio) ? "audio" : "modalities");
  }
  if (body.logprobs === true || present(body.top_logprobs)) return refuse("logprobs are not supported by this gateway", "logprobs");

  const model = resolveModel(body.model, allowedModels);
  if (!model.ok) return model;
  for (const field of ["max_tokens", "max_completion_tokens"]) {
    const limit = positiveInt(body[field], field);
    if (!limit.ok) return limit;
  }
  const format = responseFormat(body.response_format);
  if (!format.ok) return format;
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean") return refuse("stream must be a boolean", "stream");
  if (body.user !== undefined && typeof body.user !== "string") return refuse("user must be a string", "user");
  if (body.metadata !== undefined && body.metadata !== null && !isObject(body.metadata)) return refuse("metadata must be an object", "metadata");

  const messages = conversation(body.messages);
  if (!messages.ok) return messages;
  const prompt = promptFromTurns(messages.value.turns);
  if (!prompt.ok) return prompt;
  const system = messages.value.system.join("\n\n");
  const stream = body.stream === true;
  return {
    ok: true,
    value: {
      model: body.model as string,
      submit: {
        prompt: prompt.value,
        model: model.value,
        ...(system ? { system_prompt: system } : {}),
        ...format.value,
        metadata: { api: "openai.chat.completions", model: body.model, user: body.user, metadata: body.metadata ?? undefined },
      },
      conversation: { system, turns: messages.value.turns },
      stream,
      includeUsage: stream && isObject(body.stream_options) && body.stream_options.include_usage === true,
    },
  };
}

/** The submit fields of a response_format: json mode, or a schema for the CLI's structured output. */
function responseFormat(rf: unknown): Parsed<{ response_format?: "json"; json_schema?: Record<string, unknown> }> {
  if (rf === undefined || rf === null) return { ok: true, value: {} };
  const type = isObject(rf) ? rf.type : undefined;
  if (type === "text") return { ok: true, value: {} };
  if (type === "json_object") return { ok: true, value: { response_format: "json" } };
  if (type === "json_schema") {
    const schema = isObject(rf) && isObject(rf.json_schema) ? rf.json_schema.schema : undefined;
    if (!isObject(schema)) return refuse("response_format.json_schema.schema must be a JSON Schema object", "response_format");
    return { ok: true, value: { json_schema: schema } };
  }
  return refuse(`response_format.type must be ${oneOf(OPENAI_RESPONSE_FORMATS)}`, "response_format");
}

/** System and developer messages become the system prompt; user and assistant messages the turns. */
function conversation(messages: unknown): Parsed<{ system: string[]; turns: Turn[] }> {
  if (!Array.isArray(messages) || messages.length === 0) return refuse("messages must be a non-empty list", "messages");
  const system: string[] = [];
  const turns: Turn[] = [];
  for (const [i, m] of messages.entries()) {
    const param = `messages[${i}]`;
    if (!isObject(m)) return refuse(`${param} must be an object`, param);
    if (m.role === "tool" || m.role === "function" || present(m.tool_calls) || present(m.function_call)) return refuse(TOOLS, param);
    if (m.role === "assistant" && (m.content === null || m.content === undefined)) return refuse(`${param}.content must not be empty`, `${param}.content`);
    const text = textOf(m.content, `${param}.content`, PART_REFUSALS);
    if (!text.ok) return text;
    if ((SYSTEM_ROLES as readonly unknown[]).includes(m.role)) system.push(text.value);
    else if (isTurnRole(m.role)) turns.push({ role: m.role, text: text.value });
    else return refuse(`${param}.role must be one of ${OPENAI_ROLES.join(", ")}`, `${param}.role`);
  }
  return { ok: true, value: { system, turns } };
}
