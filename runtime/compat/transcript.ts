// A conversation as one prompt. The CLI takes one prompt per run, so the turns before the last user message are
// given to it as a transcript ahead of that message (README: "The transcript format"). A single user message is
// sent as it is.
import { refuse, type Parsed } from "./errors";

/** The roles of a conversation's turns: Anthropic's message roles, and OpenAI's besides its system ones. */
export const TURN_ROLES = ["user", "assistant"] as const;
export type TurnRole = (typeof TURN_ROLES)[number];
export const isTurnRole = (v: unknown): v is TurnRole => (TURN_ROLES as readonly unknown[]).includes(v);

export interface Turn {
  role: TurnRole;
  text: string;
}

export const TRANSCRIPT_HEAD = "The conversation so far (oldest first):";
export const NEW_MESSAGE_HEAD = "The user's new message:";

export function promptFromTurns(turns: readonly Turn[]): Parsed<string> {
  const last = turns.at(-1);
  if (!last) return refuse("messages must contain at least one message", "messages");
  if (last.role !== "user") return refuse("the last message must be from the user (assistant prefill is not supported)", "messages");
  if (last.text.trim() === "") return refuse("the last user message must contain text", "messages");
  if (turns.length === 1) return { ok: true, value: last.text };
  const history = turns.slice(0, -1).map((t) => `<${t.role}>\n${t.text}\n</${t.role}>`);
  return { ok: true, value: `${TRANSCRIPT_HEAD}\n<transcript>\n${history.join("\n")}\n</transcript>\n\n${NEW_MESSAGE_HEAD}\n${last.text}` };
}
