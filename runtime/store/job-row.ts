// A row of the jobs table and the Job it is. Stats are one JSON column; older rows named the CLI's session id
// `session_id`, which is now the gateway's session (its own column).
import type { AgentOptions } from "../job/agent-options";
import type { Job, JobStatus, ErrorCode, ResponseFormat, RunStats, WebhookEvent } from "../job/job";
import type { Model } from "../config/schema";

export interface JobRow {
  id: string;
  prompt: string;
  system_prompt: string;
  model: string;
  status: string;
  result: string;
  error: string;
  error_code: string;
  callback_url: string;
  webhook_events: string;
  metadata: string | null;
  response_format: string;
  json_schema: string | null;
  timeout_seconds: number | null;
  request_id: string;
  attempts: number;
  stats: string | null;
  retrying: string | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  owner: string;
  session_id: string;
  fork: number;
  options: string | null;
}

export function rowToJob(r: JobRow): Job {
  const stats = r.stats ? (JSON.parse(r.stats) as RunStats & { session_id?: string }) : {};
  // Stats stored before sessions named the CLI's id `session_id`; that name is now the gateway's session.
  if (stats.session_id !== undefined) {
    stats.cli_session_id ??= stats.session_id;
    delete stats.session_id;
  }
  return {
    id: r.id,
    prompt: r.prompt,
    systemPrompt: r.system_prompt,
    model: r.model as Model,
    status: r.status as JobStatus,
    result: r.result,
    error: r.error,
    errorCode: r.error_code as ErrorCode | "",
    callbackUrl: r.callback_url,
    webhookEvents: JSON.parse(r.webhook_events) as WebhookEvent[],
    metadata: r.metadata ?? undefined,
    responseFormat: r.response_format as ResponseFormat,
    jsonSchema: r.json_schema ?? undefined,
    timeoutSeconds: r.timeout_seconds ?? undefined,
    requestId: r.request_id,
    attempts: r.attempts,
    retrying: r.retrying ? JSON.parse(r.retrying) : undefined,
    createdAt: r.created_at,
    startedAt: r.started_at ?? undefined,
    completedAt: r.completed_at ?? undefined,
    owner: r.owner,
    sessionId: r.session_id,
    fork: r.fork === 1,
    options: r.options ? (JSON.parse(r.options) as AgentOptions) : undefined,
    ...stats,
  };
}
