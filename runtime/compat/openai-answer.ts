// OpenAI Chat Completions answers: a `chat.completion` object, or `chat.completion.chunk` frames ending with a
// chunk that has `finish_reason`, an optional usage chunk (`stream_options.include_usage`), and `[DONE]`.
// The id is `chatcmpl-<job id>`, so an answer leads back to its job.
import { tokenCounts } from "../cli/usage";
import type { Answer, AnswerContext, Outcome } from "./answer";
import { errorBody } from "./errors";

/** prompt_tokens counts every input token, cached ones included (as OpenAI's do); `cached_tokens` names the reads. */
export function openaiUsage(usage: unknown) {
  const t = tokenCounts(usage);
  const prompt = t.input + t.cache_write + t.cache_read;
  return {
    prompt_tokens: prompt,
    completion_tokens: t.output,
    total_tokens: prompt + t.output,
    prompt_tokens_details: { cached_tokens: t.cache_read },
  };
}

/** The only `finish_reason` an answer ends with: the CLI's run ended its turn (no tool calls, no length cut). */
export const OPENAI_FINISH_REASON = "stop";

const data = (o: object | string) => `data: ${typeof o === "string" ? o : JSON.stringify(o)}\n\n`;

export function openaiAnswer(ctx: AnswerContext): Answer {
  const head = { id: `chatcmpl-${ctx.jobId}`, created: ctx.created, model: ctx.model };
  const chunk = (delta: object, finishReason: string | null) => ({
    ...head,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(ctx.includeUsage ? { usage: null } : {}),
  });
  return {
    dialect: "openai",
    complete: (o: Outcome) => ({
      ...head,
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: o.result, refusal: null }, logprobs: null, finish_reason: OPENAI_FINISH_REASON }],
      usage: openaiUsage(o.usage),
    }),
    start: () => data(chunk({ role: "assistant", content: "" }, null)),
    delta: (text) => data(chunk({ content: text }, null)),
    finish: (o) =>
      data(chunk({}, OPENAI_FINISH_REASON)) +
      (ctx.includeUsage ? data({ ...head, object: "chat.completion.chunk", choices: [], usage: openaiUsage(o.usage) }) : "") +
      data("[DONE]"),
    // The openai SDKs raise a data line with an `error` member as an APIError.
    fail: (f) => data(errorBody("openai", f).body),
    heartbeat: ": ping\n\n",
  };
}
