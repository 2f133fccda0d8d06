// Multi-turn over the compatible APIs. A client of a stateless API sends the whole conversation every time; when
// everything before its new message is exactly a conversation this gateway answered for the same API key, the
// new message becomes the next turn of that job's session (the CLI resumes its own transcript) instead of
// being given the history again as a transcript (README: "How a conversation continues a session").
import { createHash } from "node:crypto";
import type { Turn } from "./transcript";

/** What a request's fingerprint covers besides its key: the system prompt and the messages, in order. */
export interface Conversation {
  system: string;
  turns: readonly Turn[];
}

/**
 * The fingerprint of a conversation up to a user message: SHA-256 over the API key's hash, the system prompt and
 * each message's role and text, exactly (nothing is trimmed or normalised). The model is not part of it.
 */
export function fingerprint(keyScope: string, system: string, turns: readonly Turn[]): string {
  const text = JSON.stringify(["claudegate.conversation.v1", keyScope, system, turns.map((t) => [t.role, t.text])]);
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The exchange a request may continue: its messages end [..., assistant answer, new user message], and the
 * fingerprint of what came before that answer names the job that gave it. Undefined for a first message.
 */
export function priorExchange(keyScope: string, c: Conversation): { fingerprint: string; answer: string } | undefined {
  const answer = c.turns.at(-2);
  if (c.turns.length < 3 || answer?.role !== "assistant") return undefined;
  return { fingerprint: fingerprint(keyScope, c.system, c.turns.slice(0, -2)), answer: answer.text };
}
