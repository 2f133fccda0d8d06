// Reads one stream-json line of the CLI into what the gateway cares about. Pure: no I/O, no state.
// Lines that are not JSON objects with a string `type` are ignored, as the original did.

export interface ResultLine {
  subtype: string;
  isError: boolean;
  apiErrorStatus: number | null;
  terminalReason: string | undefined;
  result: string;
  usage?: unknown;
  /** With `--json-schema`: the object the model gave the StructuredOutput tool. */
  structuredOutput?: unknown;
  costUsd?: number;
  durationMs?: number;
  numTurns?: number;
  sessionId?: string;
}

export type CliLine =
  | { kind: "text"; text: string } // a token-level text delta (--include-partial-messages)
  | { kind: "assistant"; text: string; tools: { name: string; id: string; input: string }[] } // a whole message of one turn
  | { kind: "tool_results"; results: { id: string; output: string; isError: boolean }[] } // a `user` message of tool results
  | { kind: "retry"; attempt: number; maxRetries: number; delayMs: number; errorStatus: number | null }
  | { kind: "result"; result: ResultLine }
  | { kind: "other" };

/** The most characters of a tool's input or output an event carries: enough to show, never a whole file. */
export const TOOL_TEXT_MAX_CHARS = 2000;
const truncate = (s: string) => (s.length > TOOL_TEXT_MAX_CHARS ? `${s.slice(0, TOOL_TEXT_MAX_CHARS)}… (${s.length} characters)` : s);

/** A tool_result's content: a string, or blocks of which the text ones are kept. */
function toolOutput(c: unknown): string {
  if (typeof c === "string") return c;
  if (!Array.isArray(c)) return "";
  return c.map((b: any) => (b?.type === "text" && typeof b.text === "string" ? b.text : `[${String(b?.type ?? "block")}]`)).join("\n");
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

export function parseCliLine(line: string): CliLine {
  if (!line.startsWith("{")) return { kind: "other" };
  let o: Record<string, any>;
  try {
    o = JSON.parse(line);
  } catch {
    return { kind: "other" };
  }
  if (!o || typeof o !== "object" || typeof o.type !== "string") return { kind: "other" };
  switch (o.type) {
    case "stream_event": {
      const ev = o.event;
      if (ev?.type === "content_block_delta" && ev.delta?.type === "text_delta" && typeof ev.delta.text === "string") {
        return { kind: "text", text: ev.delta.text };
      }
      return { kind: "other" };
    }
    case "assistant": {
      const content = Array.isArray(o.message?.content) ? o.message.content : [];
      const text = content
        .filter((b: any) => b?.type === "text" && typeof b.text === "string")
        .map((b: any) => b.text)
        .join("");
      const tools = content
        .filter((b: any) => b?.type === "tool_use" && typeof b.name === "string")
        .map((b: any) => ({ name: b.name as string, id: str(b.id) ?? "", input: truncate(JSON.stringify(b.input ?? {})) }));
      return { kind: "assistant", text, tools };
    }
    case "user": {
      const content = Array.isArray(o.message?.content) ? o.message.content : [];
      const results = content
        .filter((b: any) => b?.type === "tool_result")
        .map((b: any) => ({ id: str(b.tool_use_id) ?? "", output: truncate(toolOutput(b.content)), isError: b.is_error === true }));
      return results.length ? { kind: "tool_results", results } : { kind: "other" };
    }
    case "system":
      if (o.subtype === "api_retry") {
        return {
          kind: "retry",
          attempt: num(o.attempt) ?? 0,
          maxRetries: num(o.max_retries) ?? 0,
          delayMs: num(o.retry_delay_ms) ?? 0,
          errorStatus: num(o.error_status) ?? null,
        };
      }
      return { kind: "other" };
    case "result":
      return {
        kind: "result",
        result: {
          subtype: str(o.subtype) ?? "",
          isError: o.is_error === true,
          apiErrorStatus: num(o.api_error_status) ?? null,
          terminalReason: str(o.terminal_reason),
          result: str(o.result) ?? "",
          usage: o.usage && typeof o.usage === "object" ? o.usage : undefined,
          structuredOutput: o.structured_output ?? undefined,
          costUsd: num(o.total_cost_usd),
          durationMs: num(o.duration_ms),
          numTurns: num(o.num_turns),
          sessionId: str(o.session_id),
        },
      };
    default:
      return { kind: "other" };
  }
}
