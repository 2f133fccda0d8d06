// What the domain's seams report, one small function each, so instrumentation at a seam is one call. The metric
// definitions are in ./registry.
import { MODELS } from "../config/schema";
import type { Job } from "../job/job";
import type { AttemptOutcome } from "../webhooks/dial";
import type { Next } from "../webhooks/retry-policy";
import { tokenCounts } from "../cli/usage";
import { errorCodeLabel, keyLabel, modelLabel, REQUEUE_REASONS, WEBHOOK_OUTCOMES, webhookOutcome, type RequeueReason } from "./labels";
import * as m from "./registry";

// Series that exist from the start read 0 rather than nothing, so rate() and alerts see their first increase.
for (const model of MODELS) m.jobsSubmitted.inc({ model, key: "operator" }, 0);
for (const reason of REQUEUE_REASONS) m.jobsRequeued.inc({ reason }, 0);
for (const outcome of WEBHOOK_OUTCOMES) m.webhookDeliveries.inc({ outcome }, 0);
m.sseCutOff.inc(0);
for (const result of ["hit", "miss"]) m.warmRuns.inc({ result }, 0);

const seconds = (ms: number) => Math.max(0, ms) / 1000;

let allowedModels: readonly string[] = [];
/** The operator's CLAUDEGATE_ALLOWED_MODELS: those ids are `model` label values of their own (set at boot). */
export function setAllowedModels(models: readonly string[]): void {
  allowedModels = models;
}
const model = (job: Pick<Job, "model">) => modelLabel(job.model, MODELS, allowedModels);

let keyNames: (keyId: string) => string | undefined = () => undefined;
/** How a tenant key's id becomes its name for the `key` label (the gateway's key store, set at boot). */
export function setKeyNames(nameOf: (keyId: string) => string | undefined): void {
  keyNames = nameOf;
}

export function jobSubmitted(job: Job): void {
  m.jobsSubmitted.inc({ model: model(job), key: keyLabel(job, keyNames) });
}

/** A run started: the job waited from its submit (or its requeue: the queue keeps created_at) until now. */
export function jobStarted(job: Job): void {
  if (job.startedAt !== undefined) m.queuedSeconds.observe({ model: model(job) }, seconds(job.startedAt - job.createdAt));
}

export function firstChunk(job: Job, now = Date.now()): void {
  if (job.startedAt !== undefined) m.firstChunkSeconds.observe({ model: model(job) }, seconds(now - job.startedAt));
}

export function cliRetried(job: Job): void {
  m.cliRetries.inc({ model: model(job) });
}

export function jobsRequeued(reason: RequeueReason, n = 1): void {
  if (n > 0) m.jobsRequeued.inc({ reason }, n);
}

/** A job reached its terminal status (finished, cancelled, or failed by recovery): counts, run time, usage. */
export function jobFinished(job: Job): void {
  const key = keyLabel(job, keyNames);
  m.jobsFinished.inc({ status: job.status, error_code: errorCodeLabel(job), model: model(job), key });
  if (job.startedAt !== undefined && job.completedAt !== undefined) {
    m.runSeconds.observe({ model: model(job), status: job.status }, seconds(job.completedAt - job.startedAt));
  }
  if (job.usage !== undefined) {
    // Every type, 0 included, so a model's series are all there once it has reported usage.
    for (const [type, n] of Object.entries(tokenCounts(job.usage))) m.tokens.inc({ type, model: model(job), key }, n);
  }
  if (typeof job.cost_usd === "number" && job.cost_usd > 0) m.costUsd.inc({ model: model(job), key }, job.cost_usd);
}

export function cliLingered(ms: number): void {
  m.lingerSeconds.observe(seconds(ms));
}

export function webhookAttempt(outcome: AttemptOutcome, next: Next, durationMs: number): void {
  const o = webhookOutcome(outcome, next);
  m.webhookDeliveries.inc({ outcome: o });
  m.webhookSeconds.observe({ outcome: o }, seconds(durationMs));
}

export function sseReaderCutOff(): void {
  m.sseCutOff.inc();
}

export function httpRequest(method: string, route: string, status: number, durationMs: number): void {
  m.httpSeconds.observe({ method, route, status: String(status) }, seconds(durationMs));
}

/** A run took a warm CLI process (hit) or started cold while warm ones are kept (miss). */
export function warmRun(hit: boolean): void {
  m.warmRuns.inc({ result: hit ? "hit" : "miss" });
}
