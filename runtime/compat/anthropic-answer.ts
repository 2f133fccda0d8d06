// Anthropic Messages answers: a `message` object, or the Messages API's event sequence (message_start,
// content_block_start, ping, content_block_delta with text_delta, content_block_stop, message_delta with the
// stop reason and usage, message_stop; `event: error` on failure). The id is `msg_<job id>`.
import { tokenCounts } from "../cli/usage";
import type { Answer, AnswerContext, Outcome } from "./answer";
import { errorBody } from "./errors";

export function anthropicUsage(usage: unknown) {
  const t = tokenCounts(usage);
  return {
    input_tokens: t.input,
    output_tokens: t.output,
    cache_creation_input_tokens: t.cache_write,
    cache_read_input_tokens: t.cache_read,
  };
}

/** The only `stop_reason` an answer ends with: the CLI's run ended its turn (no tool use, no max_tokens cut). */
export const ANTHROPIC_STOP_REASON = "end_turn";

const frame = (type: string, body: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`;

export function anthropicAnswer(ctx: AnswerContext): Answer {
  const message = (content: object[], stopReason: string | null, usage: object) => ({
    id: `msg_${ctx.jobId}`,
    type: "message",
    role: "assistant",
    model: ctx.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  });
  return {
    dialect: "anthropic",
    complete: (o: Outcome) => message([{ type: "text", text: o.result }], ANTHROPIC_STOP_REASON, anthropicUsage(o.usage)),
    // The usage is known only when the run ends: message_start has zeros, message_delta the CLI's figures.
    start: () =>
      frame("message_start", { message: message([], null, anthropicUsage(undefined)) }) +
      frame("content_block_start", { index: 0, content_block: { type: "text", text: "" } }) +
      frame("ping", {}),
    delta: (text) => frame("content_block_delta", { index: 0, delta: { type: "text_delta", text } }),
    finish: (o) =>
      frame("content_block_stop", { index: 0 }) +
      frame("message_delta", { delta: { stop_reason: ANTHROPIC_STOP_REASON, stop_sequence: null }, usage: anthropicUsage(o.usage) }) +
      frame("message_stop", {}),
    fail: (f) => `event: error\ndata: ${JSON.stringify(errorBody("anthropic", f).body)}\n\n`,
    heartbeat: frame("ping", {}),
  };
}
