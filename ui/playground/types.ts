// The job as the API returns it (runtime/openapi/schemas.ts has the full schema): the fields the page reads.
export interface Job {
  job_id: string;
  prompt: string;
  model: string;
  status: "queued" | "processing" | "completed" | "failed" | "cancelled";
  result?: string;
  error?: string;
  created_at: string;
  started_at?: string;
  completed_at?: string;
  usage?: unknown;
  cost_usd?: number;
  duration_ms?: number;
  num_turns?: number;
  session_id: string;
  fork?: true;
  response_format?: "text" | "json";
  json_schema?: Record<string, unknown>;
  urls: { get: string; cancel: string; stream: string };
}

export interface JobList {
  jobs: Job[];
  limit: number;
  offset: number;
  total: number;
}

export interface SessionSummary {
  session_id: string;
  parent_session_id?: string;
  created_at: string;
  last_active_at: string;
}

export interface Session extends SessionSummary {
  turns: { job_id: string; status: Job["status"] }[];
  running_job_id?: string;
}

export interface WorkspaceFile {
  path: string;
  size: number;
  sha256: string;
  modified_at: string;
}
