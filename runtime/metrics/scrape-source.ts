// What the scrape-time gauges read. Queue depth, the pause and the webhook backlog come from the database,
// not from this instance's memory, so every instance in front of one database reports the same values; running
// CLIs and open streams are this instance's own.
import type { JobStatus } from "../job/job";
import { PAUSE_SOURCES, type PauseSource } from "../queue/queue-pause";
import type { Sqlite } from "../store/database";
import type { JobStore } from "../store/job-store";

export interface ScrapeSource {
  readonly pauseReasons: readonly PauseSource[];
  readonly concurrency: number;
  queueDepth(): Record<JobStatus, number>;
  pausedBy(): PauseSource | undefined;
  pendingWebhooks(): number;
  runningClis(): number;
  openStreams(): number;
  /** Epoch ms, or undefined when unknown. */
  tokenExpiresAt(): number | undefined;
}

export interface ScrapeDeps {
  db: Sqlite;
  store: JobStore;
  concurrency: number;
  runningClis: () => number;
  openStreams: () => number;
  tokenExpiresAt: () => number | undefined;
}

export function databaseScrapeSource(d: ScrapeDeps): ScrapeSource {
  const pause = d.db.prepare("SELECT source FROM queue_pause WHERE id = 1 AND (until IS NULL OR until > ?)").pluck();
  const pending = d.db.prepare("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'").pluck();
  return {
    pauseReasons: PAUSE_SOURCES,
    concurrency: d.concurrency,
    queueDepth: () => d.store.countByStatus(),
    pausedBy: () => pause.get(Date.now()) as PauseSource | undefined,
    pendingWebhooks: () => pending.get() as number,
    runningClis: d.runningClis,
    openStreams: d.openStreams,
    tokenExpiresAt: d.tokenExpiresAt,
  };
}
