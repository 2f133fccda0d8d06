// The submit body. Messages are the original's where it had one; unknown fields are ignored.
import { z } from "zod";
import { MODELS } from "../config/schema";
import { positiveIntField } from "../http/validate";
import { WEBHOOK_EVENTS } from "./job";

const optionalString = (message: string) => z.string({ error: message }).optional();

const FILTER_ERROR = 'webhook_events_filter must be a subset of ["started","completed"]';

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
    .refine((s) => s.trim() !== "", "prompt must not be empty"),
  model: z
    .union([z.enum(MODELS), z.literal("")], { error: "model must be one of: haiku, sonnet, opus" })
    .optional(),
  // It becomes an argument of the CLI's command line, which cannot carry a NUL (the prompt goes to stdin).
  system_prompt: optionalString("system_prompt must be a string").refine(
    (v) => v === undefined || !v.includes("\u0000"),
    "system_prompt must not contain NUL characters",
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
    .enum(["", "text", "json"], { error: "response_format must be 'text' or 'json'" })
    .optional(),
  timeout_seconds: positiveIntField("timeout_seconds", MAX_TIMEOUT_SECONDS),
});

export type SubmitBody = z.infer<typeof submitSchema>;

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}
