// The job as the API shows it: the original's fields in the original's order and omit-when-empty rules,
// plus ours (attempts, error_code, the CLI's usage figures).
import type { Model } from "../config/schema";
import { AGENT_OPTION_FIELDS, type AgentOptions } from "./agent-options";

export const STATUSES = ["queued", "processing", "completed", "failed", "cancelled"] as const;
export type JobStatus = (typeof STATUSES)[number];
/** The statuses a job ends in: the `result` event's and the webhooks' `status`. */
export const TERMINAL_STATUSES = ["completed", "failed", "cancelled"] as const satisfies readonly JobStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
export const TERMINAL: ReadonlySet<JobStatus> = new Set(TERMINAL_STATUSES);

/** Every `error_code` a job can end with; the type, the API schema and the docs derive from this list. */
export const ERROR_CODES = [
  "api_error",
  "auth_required",
  "cli_error",
  "cli_missing",
  "spawn_failed",
  "run_lost",
  "timeout",
  "stalled",
  "cancelled",
  "interrupted",
  "output_too_large",
  "invalid_json",
  "schema_mismatch",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** `response_format` of a job; "" (not given) is stored as such and left out of the job's JSON. */
export const RESPONSE_FORMATS = ["text", "json"] as const;
export type ResponseFormat = "" | (typeof RESPONSE_FORMATS)[number];

export const WEBHOOK_EVENTS = ["started", "completed"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The CLI's report that it is retrying a failed API call: the job's `retrying` and its `status` event's. */
export interface Retrying {
  attempt: number;
  max_retries: number;
  delay_ms: number;
  error_status: number | null;
}

/** Figures the CLI's `result` line reports about a run. */
export interface RunStats {
  usage?: unknown;
  cost_usd?: number;
  duration_ms?: number;
  num_turns?: number;
  /** The CLI's own id of the conversation (the result line's `session_id`), not the gateway's session id. */
  cli_session_id?: string;
  /** Tool calls the run made (tool_use blocks of the model). */
  tool_calls?: number;
}

export interface Job extends RunStats {
  id: string;
  prompt: string;
  systemPrompt: string;
  model: Model;
  status: JobStatus;
  result: string;
  error: string;
  errorCode: ErrorCode | "";
  callbackUrl: string;
  /** Which webhook events the job's callback gets ("completed" = any terminal status). */
  webhookEvents: WebhookEvent[];
  /** Raw JSON text exactly as it will be returned, or undefined when the field was absent. */
  metadata: string | undefined;
  responseFormat: ResponseFormat;
  /** JSON text of the schema for the CLI's structured output (`--json-schema`), or undefined. */
  jsonSchema: string | undefined;
  timeoutSeconds: number | undefined;
  /** The X-Request-ID of the submit that created the job ("" for jobs older than this field). */
  requestId: string;
  attempts: number;
  /** The CLI's latest API retry report while the run is retrying. */
  retrying?: Retrying;
  createdAt: number;
  startedAt: number | undefined;
  completedAt: number | undefined;
  /** The tenant key that submitted the job; '' for an operator key. */
  owner: string;
  /** The gateway's session this job is a turn of (the API's `session_id`). */
  sessionId: string;
  /** The first turn of a session forked from another: the run branches with `--fork-session`. */
  fork: boolean;
  /** Agent options of the run (absent: none given). */
  options: AgentOptions | undefined;
}

export const isTerminal = (status: JobStatus): status is TerminalStatus => TERMINAL.has(status);

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * The JSON object for a job. Key order follows the original's struct; empty strings and absent values are
 * left out as its `omitempty` did. `metadata` is spliced in as raw JSON so it comes back byte-for-byte.
 */
export function jobToJson(job: Job, urls?: { get: string; cancel: string; stream: string }): string {
  const fields: [string, unknown][] = [
    ["job_id", job.id],
    ["prompt", job.prompt],
    ["system_prompt", job.systemPrompt || undefined],
    ["model", job.model],
    ["status", job.status],
    ["result", job.result || undefined],
    ["error", job.error || undefined],
    ["error_code", job.errorCode || undefined],
    ["callback_url", job.callbackUrl || undefined],
    ["webhook_events_filter", job.callbackUrl ? job.webhookEvents : undefined],
    ["metadata", undefined],
    ["response_format", job.responseFormat || undefined],
    ["json_schema", undefined],
    ["timeout_seconds", job.timeoutSeconds],
    ...AGENT_OPTION_FIELDS.map((f): [string, unknown] => [f, job.options?.[f]]),
    ["attempts", job.attempts],
    ["retrying", job.retrying],
    ["created_at", iso(job.createdAt)],
    ["started_at", iso(job.startedAt)],
    ["completed_at", iso(job.completedAt)],
    ["usage", job.usage],
    ["cost_usd", job.cost_usd],
    ["duration_ms", job.duration_ms],
    ["num_turns", job.num_turns],
    ["tool_calls", job.tool_calls],
    ["session_id", job.sessionId || undefined],
    ["fork", job.fork || undefined],
    ["cli_session_id", job.cli_session_id],
    // Whose job it is, for operators reading everyone's: the tenant key's id (absent for operator keys' jobs).
    ["key_id", job.owner || undefined],
    ["urls", urls],
  ];
  const parts: string[] = [];
  for (const [key, value] of fields) {
    if (key === "metadata") {
      if (job.metadata !== undefined) parts.push(`"metadata":${job.metadata}`);
    } else if (key === "json_schema") {
      if (job.jsonSchema !== undefined) parts.push(`"json_schema":${job.jsonSchema}`);
    } else if (value !== undefined) {
      parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
    }
  }
  return `{${parts.join(",")}}`;
}
