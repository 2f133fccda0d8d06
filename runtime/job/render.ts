// The job object as responses carry it: the stored job plus its URLs (a fresh, signed stream URL each time).
import { jobUrls } from "../events/stream-token";
import type { Gateway } from "../gateway";
import { jobToJson, type Job } from "./job";

export function renderJob(g: Pick<Gateway, "tokens">, job: Job): string {
  return jobToJson(job, jobUrls(job.id, g.tokens));
}
