// What the scrape-time gauges read. Queue depth, the pause and the webhook backlog come from the database,
// not from this instance's memory, so every instance in front of one database reports the same values; running
// CLIs and open streams are this instance's own.
import type { JobStatus } from "../job/job";
import { PAUSE_SOURCES, type PauseSource } from "../queue/queue-pause";
import type { JobStore } from "../store/job-store";
import type { Sql } from "../store/sql/sql";

export interface ScrapeSource {
  readonly pauseReasons: readonly PauseSource[];
  readonly concurrency: number;
  queueDepth(): Promise<Record<JobStatus, number>>;
  pausedBy(): Promise<PauseSource | undefined>;
  pendingWebhooks(): Promise<number>;
  runningClis(): number;
  openStreams(): number;
  /** Epoch ms, or undefined when unknown. */
  tokenExpiresAt(): number | undefined;
}

export interface ScrapeDeps {
  sql: Sql;
  store: JobStore;
  concurrency: number;
  runningClis: () => number;
  openStreams: () => number;
  tokenExpiresAt: () => number | undefined;
}

export function databaseScrapeSource(d: ScrapeDeps): ScrapeSource {
  return {
    pauseReasons: PAUSE_SOURCES,
    concurrency: d.concurrency,
    queueDepth: () => d.store.countByStatus(),
    pausedBy: () => d.sql.value<PauseSource>("SELECT source FROM queue_pause WHERE id = 1 AND (until IS NULL OR until > ?)", [Date.now()]),
    pendingWebhooks: async () => (await d.sql.value<number>("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'")) ?? 0,
    runningClis: d.runningClis,
    openStreams: d.openStreams,
    tokenExpiresAt: d.tokenExpiresAt,
  };
}
