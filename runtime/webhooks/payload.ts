// The webhook body: the original's four keys (job_id, status, result, error: always present), plus the event
// type, when it happened, and the full job object (metadata included) under `data`.
import { jobToJson, type Job } from "../job/job";
import type { DeliveryType } from "./outbox";

export function webhookType(job: Job, started = false): DeliveryType {
  if (started) return "job.started";
  return job.status === "completed" ? "job.completed" : job.status === "cancelled" ? "job.cancelled" : "job.failed";
}

export function webhookPayload(job: Job, type: DeliveryType, now = Date.now()): string {
  const head = JSON.stringify({
    type,
    timestamp: new Date(now).toISOString(),
    job_id: job.id,
    status: job.status,
    result: job.result,
    error: job.error,
  });
  return `${head.slice(0, -1)},"data":${jobToJson(job)}}`;
}
