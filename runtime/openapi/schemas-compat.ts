// Zod schemas of the OpenAI- and Anthropic-compatible endpoints' bodies, for the document (the handlers parse
// requests by hand, runtime/compat/*-request.ts, to refuse what they cannot do in each API's own words). Only
// the fields the gateway reads or writes are described; requests may carry any other field of those APIs.
import { z } from "zod";
import { MODEL_RULE, modelSchema } from "../config/schema";
import { ANTHROPIC_STOP_REASON } from "../compat/anthropic-answer";
import { ANTHROPIC_ERROR_TYPES, OPENAI_ERROR_TYPES } from "../compat/errors";
import { OPENAI_FINISH_REASON } from "../compat/openai-answer";
import { OPENAI_RESPONSE_FORMATS, OPENAI_ROLES } from "../compat/openai-request";
import { TURN_ROLES } from "../compat/transcript";

const count = z.int().min(0);
const textPart = z.object({ type: z.literal("text"), text: z.string() });
const content = z.union([z.string(), z.array(textPart)]);
const modelName = modelSchema(MODEL_RULE).describe(`${MODEL_RULE}, as POST /api/v1/jobs takes it (CLAUDEGATE_ALLOWED_MODELS narrows it); passed to the CLI as written`);

export const openaiErrorSchema = z
  .object({ error: z.object({ message: z.string(), type: z.enum(OPENAI_ERROR_TYPES), param: z.string().nullable(), code: z.string().nullable() }) })
  .describe("OpenAI's error shape");

export const anthropicErrorSchema = z
  .object({ type: z.literal("error"), error: z.object({ type: z.enum(ANTHROPIC_ERROR_TYPES), message: z.string() }) })
  .describe("Anthropic's error shape");

export const chatCompletionRequestSchema = z
  .looseObject({
    model: modelName,
    messages: z
      .array(z.object({ role: z.enum(OPENAI_ROLES), content }))
      .min(1)
      .describe("Text only. The turns before the last user message are sent to the CLI as a transcript."),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).optional().describe("`include_usage`: a last chunk with the usage"),
    response_format: z
      .union([
        z.object({ type: z.enum(OPENAI_RESPONSE_FORMATS).exclude(["json_schema"]) }),
        z.object({ type: z.enum(OPENAI_RESPONSE_FORMATS).extract(["json_schema"]), json_schema: z.looseObject({ schema: z.record(z.string(), z.unknown()) }) }),
      ])
      .optional()
      .describe("`json_object` runs the job in json mode (a result that is not JSON fails it); `json_schema` gives the job its `json_schema` (the CLI's structured output)"),
    max_tokens: z.int().min(1).optional().describe("Accepted, not applied: the CLI has no output limit for a run"),
    max_completion_tokens: z.int().min(1).optional().describe("As `max_tokens`"),
    n: z.literal(1).optional().describe("Only 1"),
    user: z.string().optional().describe("Kept in the job's metadata"),
    metadata: z.record(z.string(), z.string()).optional().describe("Kept in the job's metadata"),
  })
  .describe("OpenAI Chat Completions. Tools, functions, images, audio, `n` > 1 and logprobs are refused with a 400.");

const openaiUsage = z.object({
  prompt_tokens: count.describe("The CLI's input tokens, cache writes and reads included"),
  completion_tokens: count,
  total_tokens: count,
  prompt_tokens_details: z.object({ cached_tokens: count }),
});

export const chatCompletionSchema = z.object({
  id: z.string().describe("`chatcmpl-<job id>`"),
  object: z.literal("chat.completion"),
  created: z.int(),
  model: z.string().describe("The model as requested"),
  choices: z.array(
    z.object({
      index: z.literal(0),
      message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
      logprobs: z.null(),
      finish_reason: z.literal(OPENAI_FINISH_REASON),
    }),
  ),
  usage: openaiUsage,
});

export const chatCompletionChunkSchema = z.object({
  id: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.literal(0),
      delta: z.object({ role: z.literal("assistant").optional(), content: z.string().optional() }),
      logprobs: z.null(),
      finish_reason: z.literal(OPENAI_FINISH_REASON).nullable(),
    }),
  ),
  usage: openaiUsage.nullable().optional().describe("With `stream_options.include_usage`: null, and the figures on the last chunk"),
});

export const messagesRequestSchema = z
  .looseObject({
    model: modelName,
    max_tokens: z.int().min(1).describe("Required, as by Anthropic's API; accepted, not applied"),
    system: content.optional(),
    messages: z
      .array(z.object({ role: z.enum(TURN_ROLES), content }))
      .min(1)
      .describe("Text only. The turns before the last user message are sent to the CLI as a transcript."),
    stream: z.boolean().optional(),
    metadata: z.object({ user_id: z.string().optional() }).optional().describe("Kept in the job's metadata"),
    output_config: z
      .object({ format: z.object({ type: z.literal("json_schema"), schema: z.record(z.string(), z.unknown()) }).optional() })
      .optional()
      .describe("`format` (structured outputs) gives the job its `json_schema` (the CLI's structured output)"),
  })
  .describe("Anthropic Messages. Tools, images, documents and extended thinking are refused with a 400.");

const anthropicUsage = z.object({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
});

export const anthropicMessageSchema = z.object({
  id: z.string().describe("`msg_<job id>`"),
  type: z.literal("message"),
  role: z.literal("assistant"),
  model: z.string().describe("The model as requested"),
  content: z.array(textPart),
  stop_reason: z.literal(ANTHROPIC_STOP_REASON).nullable(),
  stop_sequence: z.null(),
  usage: anthropicUsage,
});

/** A model GET /v1/models lists: CLAUDEGATE_ALLOWED_MODELS when set, else the aliases (narrowed by a key's policy.models). */
const servedModel = modelSchema(MODEL_RULE).meta({ description: `${MODEL_RULE}: CLAUDEGATE_ALLOWED_MODELS when set, else the aliases` });

export const openaiModelListSchema = z.object({
  object: z.literal("list"),
  data: z.array(z.object({ id: servedModel, object: z.literal("model"), created: z.int(), owned_by: z.literal("anthropic") })),
});

export const anthropicModelListSchema = z.object({
  data: z.array(z.object({ type: z.literal("model"), id: servedModel, display_name: z.string(), created_at: z.iso.datetime() })),
  has_more: z.literal(false),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
});

export const compatResponseSchemas = {
  OpenAIError: openaiErrorSchema,
  AnthropicError: anthropicErrorSchema,
  ChatCompletion: chatCompletionSchema,
  ChatCompletionChunk: chatCompletionChunkSchema,
  AnthropicMessage: anthropicMessageSchema,
  OpenAIModelList: openaiModelListSchema,
  AnthropicModelList: anthropicModelListSchema,
} as const;

export const compatRequestSchemas = { ChatCompletionRequest: chatCompletionRequestSchema, MessagesRequest: messagesRequestSchema } as const;
