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
  urls: { get: string; cancel: string; stream: string };
}

export interface JobList {
  jobs: Job[];
  limit: number;
  offset: number;
  total: number;
}
