// Every metric the gateway exposes, defined once: name, help, labels and buckets. The seams of the domain call
// the small functions of runtime/metrics/observe.ts; the README's metric table and the dashboard test read the
// names from here (METRICS). Label values come from fixed sets (runtime/metrics/labels.ts), never from input.
// Gauges that describe the whole queue are read from the database at scrape time (runtime/metrics/scrape-source.ts),
// so every instance in front of one database reports the same value.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from "prom-client";
import type { ScrapeSource } from "./scrape-source";

export const registry = new Registry();
// Process and Node runtime metrics (CPU, memory, event-loop lag, GC, handles), under their standard names.
collectDefaultMetrics({ register: registry });
// prom-client also exports these three as gauges named *_total, which Prometheus's linter (promtool check metrics)
// rejects; the same counts stay available, by type, as nodejs_active_handles, _requests and _resources.
for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
  registry.removeSingleMetric(name);
}

let source: ScrapeSource | undefined;
/** What the scrape-time gauges read; unset (no values) before the gateway has booted and after it stopped. */
export function setScrapeSource(s: ScrapeSource | undefined): void {
  source = s;
}

const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
  new Counter<L>({ name, help, labelNames, registers: [registry] });
const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
  new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
/** A gauge whose value is read when scraped: `read` sets it from the source, or leaves it empty without one. */
const scraped = <L extends string>(name: string, help: string, labelNames: readonly L[], read: (g: Gauge<L>, s: ScrapeSource) => void | Promise<void>) =>
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      if (source) await read(this, source);
    },
  });

export const jobsSubmitted = counter("claudegate_jobs_submitted_total", "Jobs accepted by a submit (202), by model and API key name.", ["model", "key"]);
export const jobsFinished = counter(
  "claudegate_jobs_finished_total",
  'Jobs that reached a terminal status, by status, error_code ("none" for a completed job), model and API key name.',
  ["status", "error_code", "model", "key"],
);
export const cliRetries = counter("claudegate_cli_api_retries_total", "API retries the CLI reported (its api_retry lines), by model.", ["model"]);
export const jobsRequeued = counter(
  "claudegate_jobs_requeued_total",
  "Runs put back in the queue, by reason: shutdown (attempt refunded), usage_limit (attempt refunded), crash_recovery (found running at start-up: the attempt is used).",
  ["reason"],
);

export const queuedSeconds = histogram("claudegate_job_queued_seconds", "Time from submit to the start of the job's run.", ["model"], [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400]);
export const runSeconds = histogram("claudegate_job_run_seconds", "Time from the start of a run to its job's terminal status, by status.", ["model", "status"], [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600]);
export const firstChunkSeconds = histogram("claudegate_job_first_chunk_seconds", "Time from the start of a run to its first text chunk.", ["model"], [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120]);
export const lingerSeconds = histogram("claudegate_cli_linger_seconds", "Time a CLI process stayed alive after printing its result line.", [], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30]);

export const warmRuns = counter("claudegate_warm_runs_total", "Runs started while warm CLI processes are kept (CLAUDEGATE_WARM_PROCESSES > 0): hit took a warm process, miss started cold.", ["result"]);
export const tokens = counter("claudegate_tokens_total", "Tokens the CLI reported for finished jobs, by type (input, output, cache_read, cache_write), model and API key name.", ["type", "model", "key"]);
export const costUsd = counter("claudegate_cost_usd_total", "Cost in US dollars the CLI reported for finished jobs, by model and API key name.", ["model", "key"]);

export const webhookDeliveries = counter(
  "claudegate_webhook_attempts_total",
  "Webhook delivery attempts by outcome: delivered, retried (a retry is scheduled), refused (by the address policy), gave_up.",
  ["outcome"],
);
export const webhookSeconds = histogram("claudegate_webhook_attempt_seconds", "Duration of a webhook delivery attempt, by outcome.", ["outcome"], [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);

export const sseCutOff = counter("claudegate_sse_slow_readers_cut_total", "SSE streams dropped because their reader fell too far behind.", []);

export const httpSeconds = histogram(
  "claudegate_http_request_duration_seconds",
  'HTTP requests by method, route template (e.g. /api/v1/jobs/{id}; "other" for paths no route serves) and status, with their latency.',
  ["method", "route", "status"],
  [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
);

export const queueJobs = scraped("claudegate_queue_jobs", "Jobs in the database by status (cluster-wide: read from the database).", ["status"], async (g, s) => {
  for (const [status, n] of Object.entries(await s.queueDepth())) g.set({ status }, n);
});
export const queuePaused = scraped(
  "claudegate_queue_paused",
  "1 while the queue is paused, by reason (operator, usage_limit); 0 otherwise (cluster-wide).",
  ["reason"],
  async (g, s) => {
    const by = await s.pausedBy();
    for (const reason of s.pauseReasons) g.set({ reason }, by === reason ? 1 : 0);
  },
);
export const webhooksPending = scraped("claudegate_webhooks_pending", "Webhook deliveries waiting to be sent or retried (cluster-wide).", [], async (g, s) => g.set(await s.pendingWebhooks()));
export const runningClis = scraped("claudegate_running_clis", "CLI processes this instance is running now.", [], (g, s) => g.set(s.runningClis()));
export const concurrency = scraped("claudegate_concurrency", "CLI processes this instance may run at once (CLAUDEGATE_CONCURRENCY).", [], (g, s) => g.set(s.concurrency));
export const sseOpen = scraped("claudegate_sse_open_streams", "SSE streams this instance has open now.", [], (g, s) => g.set(s.openStreams()));
export const tokenExpiry = scraped(
  "claudegate_cli_token_expiry_timestamp_seconds",
  "When the CLI's OAuth token expires (Unix seconds); 0 when no credentials file gives it.",
  [],
  (g, s) => {
    const at = s.tokenExpiresAt();
    if (at !== undefined) g.set(at / 1000);
  },
);

/** Our metrics (not the process and Node ones), for the README and the dashboard's check. */
export const METRICS: readonly Metric[] = [
  jobsSubmitted, jobsFinished, cliRetries, jobsRequeued, queuedSeconds, runSeconds, firstChunkSeconds, lingerSeconds,
  tokens, costUsd, webhookDeliveries, webhookSeconds, sseCutOff, httpSeconds, queueJobs, queuePaused, webhooksPending,
  runningClis, concurrency, sseOpen, tokenExpiry,
];
