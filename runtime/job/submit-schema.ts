// The submit body. Messages are the original's where it had one; unknown fields are ignored.
import { z } from "zod";
import { MODEL_RULE, modelField } from "../config/schema";
import { positiveIntField } from "../http/validate";
import { RESPONSE_FORMATS, WEBHOOK_EVENTS } from "./job";
import { agentOptionsShape } from "./agent-options";

const optionalString = (message: string) => z.string({ error: message }).optional();

export const FILTER_ERROR = `webhook_events_filter must be a subset of ${JSON.stringify(WEBHOOK_EVENTS)}`;
export const RESPONSE_FORMAT_ERROR = `response_format must be ${RESPONSE_FORMATS.map((f) => `'${f}'`).join(" or ")}`;

// A NUL byte cannot reach the CLI intact (C strings end at it), so such a prompt is refused, not run altered.
// Sizes need no rule of their own: the body cap (1 MiB) bounds both, and the CLI takes either whole at that size.
const noNul = (s: string) => !s.includes("\u0000");
export const PROMPT_NUL_ERROR = "prompt must not contain NUL characters (\\u0000)";
export const SYSTEM_PROMPT_NUL_ERROR = "system_prompt must not contain NUL characters (\\u0000)";

/** The largest `json_schema`, as JSON text. */
export const MAX_JSON_SCHEMA_BYTES = 100_000;

/** The ceiling of `timeout_seconds` when the operator sets no CLAUDEGATE_JOB_TIMEOUT_MINUTES. */
export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

/**
 * The operator's CLAUDEGATE_JOB_TIMEOUT_MINUTES is a ceiling: a job's own timeout may only shorten it.
 * Returns the 400 message for a longer one (the schema cannot say it: it is one schema for every config).
 */
export function overOperatorTimeout(timeoutSeconds: number | undefined, jobTimeoutMs: number): string | undefined {
  const max = jobTimeoutMs / 1000;
  if (timeoutSeconds === undefined || max === 0 || timeoutSeconds <= max) return undefined;
  return `timeout_seconds must be <= ${max} (CLAUDEGATE_JOB_TIMEOUT_MINUTES)`;
}

export const submitSchema = z.object({
  prompt: z
    .string({ error: (i) => (i.input === undefined || i.input === null ? "prompt must not be empty" : "prompt must be a string") })
    .refine((s) => s.trim() !== "", "prompt must not be empty")
    .refine(noNul, PROMPT_NUL_ERROR),
  model: z.union([modelField("model"), z.literal("")], { error: `model must be one of: ${MODEL_RULE}` }).optional(),
  system_prompt: optionalString("system_prompt must be a string").refine(
    (v) => v === undefined || noNul(v),
    SYSTEM_PROMPT_NUL_ERROR,
  ),
  callback_url: optionalString("callback_url must be a string").refine(
    (v) => v === undefined || v === "" || isHttpUrl(v),
    "callback_url must be an absolute http or https URL",
  ),
  metadata: z.unknown().optional(),
  webhook_events_filter: z
    .array(z.enum(WEBHOOK_EVENTS, { error: FILTER_ERROR }), { error: FILTER_ERROR })
    .transform((events) => [...new Set(events)])
    .optional(),
  response_format: z
    .enum(["", ...RESPONSE_FORMATS], { error: RESPONSE_FORMAT_ERROR })
    .optional(),
  json_schema: z
    .record(z.string(), z.unknown(), { error: "json_schema must be a JSON Schema object" })
    // It reaches the CLI as one argument, and Linux caps one argument at 128 KiB (MAX_ARG_STRLEN).
    .refine((s) => Buffer.byteLength(JSON.stringify(s)) <= MAX_JSON_SCHEMA_BYTES, `json_schema must be at most ${MAX_JSON_SCHEMA_BYTES} bytes as JSON`)
    .optional(),
  timeout_seconds: positiveIntField("timeout_seconds", MAX_TIMEOUT_SECONDS),
  // The session this job is the next turn of (absent: a new session); with `fork`, a new session branched from it.
  session_id: z.string({ error: "session_id must be a string" }).min(1, "session_id must not be empty").max(100, "session_id must be at most 100 characters").optional(),
  fork: z.boolean({ error: "fork must be a boolean" }).optional(),
  ...agentOptionsShape,
});

export const FORK_WITHOUT_SESSION_ERROR = "fork requires session_id";

export type SubmitBody = z.infer<typeof submitSchema>;

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}
