// What either compatible API's request becomes: the fields of a job submission (POST /api/v1/jobs's body, so it
// takes the same validation and the same path into the queue) and how to answer (stream or not).
import type { Model } from "../config/schema";
import type { Conversation } from "./continuation";
import { refuse, type Parsed } from "./errors";

export interface CompatRequest {
  /** The model name as the client wrote it: answers echo it. */
  model: string;
  /** The submit body; its prompt holds the earlier messages as a transcript (see `conversation`). */
  submit: {
    prompt: string;
    session_id?: string;
    model: Model;
    system_prompt?: string;
    response_format?: "json";
    json_schema?: Record<string, unknown>;
    metadata: unknown;
  };
  /** The system prompt and messages as sent: what a continued session is matched by (continuation.ts). */
  conversation: Conversation;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`: a last chunk carries the usage. */
  includeUsage: boolean;
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether an optional list field holds anything (absent, null and [] do not). */
export const present = (v: unknown) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);

/** Text content: a string, or a list of parts of which only text parts are taken; `kinds` names why others are refused. */
export function textOf(content: unknown, param: string, kinds: Record<string, string>): Parsed<string> {
  if (typeof content === "string") return { ok: true, value: content };
  if (!Array.isArray(content)) return refuse(`${param} must be a string or a list of content parts`, param);
  const texts: string[] = [];
  for (const [i, part] of content.entries()) {
    const type = isObject(part) ? part.type : undefined;
    if (type === "text" && isObject(part) && typeof part.text === "string") texts.push(part.text);
    else if (typeof type === "string" && kinds[type]) return refuse(kinds[type]!, `${param}[${i}]`);
    else return refuse(`${param}[${i}] must be a text part ({"type":"text","text":"..."})`, `${param}[${i}]`);
  }
  return { ok: true, value: texts.join("\n") };
}

/** An optional positive integer (max_tokens and its kin). */
export function positiveInt(v: unknown, param: string, required = false): Parsed<number | undefined> {
  if (v === undefined || v === null) return required ? refuse(`${param} is required`, param) : { ok: true, value: undefined };
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) return refuse(`${param} must be a positive integer`, param);
  return { ok: true, value: v };
}
