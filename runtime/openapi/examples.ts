// Example values for the document, the same ones the README shows. A test parses each with its response
// schema, so an example cannot drift from the schema it illustrates.
import { dependencies } from "../../package.json";

const ID = "3479044e-64ff-4f0d-8cd3-d0b06a93d07f";
export const SESSION_ID = "0d6f6f7e-54a4-4f57-9d1e-6c2c4d3b1a10";
const urls = {
  get: `/api/v1/jobs/${ID}`,
  cancel: `/api/v1/jobs/${ID}/cancel`,
  stream: `/api/v1/jobs/${ID}/sse?token=1795506121.p61hC9uOpbtyJYO5f1Glqwug-meC0Z14p1QaKeUDG1E`,
};

export const queuedJob = {
  job_id: ID,
  prompt: "Explain what a mutex is in one sentence.",
  system_prompt: "Be concise.",
  model: "haiku",
  status: "queued",
  metadata: { ticket: 42 },
  response_format: "text",
  timeout_seconds: 120,
  attempts: 0,
  created_at: "2026-11-24T06:05:10.432Z",
  session_id: SESSION_ID,
  urls,
};

export const completedJob = {
  ...queuedJob,
  status: "completed",
  result: "A mutex is a lock that lets only one thread into a critical section at a time.",
  attempts: 1,
  started_at: "2026-11-24T06:05:10.439Z",
  completed_at: "2026-11-24T06:05:11.338Z",
  usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 19, service_tier: "standard" },
  cost_usd: 0.00004,
  duration_ms: 829,
  num_turns: 1,
  cli_session_id: "ab884a95-5ebb-4138-9a27-db4ef0443f2b",
};

export const failedJob = {
  job_id: "9e664cfe-38bc-4261-9a2c-7801cdcb44d6",
  prompt: "Hello",
  model: "haiku",
  status: "failed",
  error: "Not logged in · Please run /login",
  error_code: "auth_required",
  attempts: 1,
  created_at: "2026-11-24T06:05:35.892Z",
  started_at: "2026-11-24T06:05:36.840Z",
  completed_at: "2026-11-24T06:05:37.403Z",
  session_id: "5b0e3c1a-9a6d-4c31-8f0e-2f4d7c9b8a21",
  urls: { ...urls, get: "/api/v1/jobs/9e664cfe-38bc-4261-9a2c-7801cdcb44d6" },
};

export const jobList = { jobs: [failedJob], limit: 20, offset: 0, total: 1 };

export const eventPage = {
  job_id: ID,
  events: [
    { id: 3, event: "chunk", data: { job_id: ID, text: "A mutex " }, created_at: "2026-11-24T06:05:22.101Z" },
    { id: 4, event: "chunk", data: { job_id: ID, text: "is a lock that lets one thread in at a time." }, created_at: "2026-11-24T06:05:22.180Z" },
  ],
  last_id: 4,
  has_more: true,
  done: false,
};

export const sseTranscript = [
  "retry: 3000",
  "",
  "id: 1",
  "event: status",
  `data: {"job_id":"${ID}","status":"queued"}`,
  "",
  "id: 2",
  "event: status",
  `data: {"job_id":"${ID}","status":"processing","attempt":1}`,
  "",
  "id: 3",
  "event: chunk",
  `data: {"job_id":"${ID}","text":"A mutex "}`,
  "",
  "id: 4",
  "event: result",
  `data: {"job_id":"${ID}","status":"completed","result":"A mutex ","error":""}`,
  "",
  "",
].join("\n");

export const delivery = {
  id: "msg_2fQjv0t8mXc9hKJ3aBnY1w",
  job_id: ID,
  type: "job.completed",
  url: "https://example.com/webhook",
  status: "delivered",
  attempt_count: 2,
  max_attempts: 9,
  next_attempt_at: null,
  last_error: null,
  created_at: "2026-11-24T06:05:11.340Z",
  delivered_at: "2026-11-24T06:05:16.402Z",
  attempts: [
    { n: 1, at: "2026-11-24T06:05:11.341Z", status_code: 500, error: null, duration_ms: 12 },
    { n: 2, at: "2026-11-24T06:05:16.393Z", status_code: 200, error: null, duration_ms: 9 },
  ],
};

export const deliveryList = { job_id: ID, deliveries: [delivery] };

export const pausedState = {
  paused: true,
  paused_until: "2026-11-24T06:15:00.000Z",
  reason: "maintenance",
  source: "operator",
  since: "2026-11-24T06:05:00.000Z",
};

export const stats = {
  queue: { queued: 2, processing: 1, completed: 1, failed: 0, cancelled: 0 },
  pause: { paused: false },
  running_clis: 1,
  concurrency: 1,
  queue_size: 1000,
  stream_subscribers: 2,
  cli_version: dependencies["@anthropic-ai/claude-code"], // the pinned CLI, so a version bump stays one line
  started_at: "2026-11-24T06:05:02.884Z",
  uptime_seconds: 21,
  database: "sqlite",
  instance_id: "gw1-4242-a1b2c3",
  instances: [{ id: "gw1-4242-a1b2c3", host: "gw1", pid: 4242, started_at: "2026-11-24T06:05:02.884Z", last_heartbeat: "2026-11-24T06:05:20.101Z", running_jobs: 1 }],
};

export const timeline = {
  minutes: 2,
  bucket_seconds: 60,
  from: "2026-11-24T06:04:00.000Z",
  to: "2026-11-24T06:05:23.120Z",
  buckets: [
    { at: "2026-11-24T06:04:00.000Z", queued: 3, running: 1, completed: 4, failed: 1, cancelled: 0 },
    { at: "2026-11-24T06:05:00.000Z", queued: 2, running: 1, completed: 1, failed: 0, cancelled: 0 },
  ],
  queue: { queued: 2, processing: 1, completed: 5, failed: 1, cancelled: 0 },
  running_clis: 1,
  concurrency: 1,
  pause: { paused: false },
};

export const health = { status: "ok", claude_auth: "valid", token_expires_at: "2026-11-24T14:00:00Z", token_expires_in: "7h30m0s" };
export const degradedHealth = { status: "degraded", reason: 'claude CLI not found at "/usr/local/bin/claude"', claude_auth: "unknown" };

export const sessionSummary = {
  session_id: SESSION_ID,
  created_at: "2026-11-24T06:05:10.432Z",
  last_active_at: "2026-11-24T06:07:02.118Z",
};

export const session = {
  ...sessionSummary,
  turns: [
    { job_id: ID, status: "completed", created_at: "2026-11-24T06:05:10.432Z", completed_at: "2026-11-24T06:05:11.338Z" },
    { job_id: "7c1d0e55-1b7e-4c4f-9f63-0f3b8e2d6a90", status: "processing", created_at: "2026-11-24T06:07:02.118Z" },
  ],
  running_job_id: "7c1d0e55-1b7e-4c4f-9f63-0f3b8e2d6a90",
  usage: { input_tokens: 10, output_tokens: 19, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  cost_usd: 0.00004,
};

export const sessionList = { sessions: [sessionSummary], limit: 20, offset: 0, total: 1 };

export const workspaceFile = {
  path: "docs/report.md",
  size: 2048,
  sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  modified_at: "2026-11-24T06:07:03.004Z",
};

export const fileList = { session_id: SESSION_ID, files: [workspaceFile], total_bytes: 2048 };
