// GET /api/v1/stats: queue depth by status, whether the queue is paused, CLI processes alive, CLI version, uptime.
import type { Gateway } from "../gateway";
import { pauseToJson } from "../queue/pause-schema";
import { bucketTimeline, MINUTE_MS, windowStart } from "./timeline";

export async function collectStats(g: Gateway) {
  return {
    queue: g.store.countByStatus(),
    pause: pauseToJson(g.pause.current()),
    running_clis: g.dispatcher.runningCount(),
    concurrency: g.config.concurrency,
    queue_size: g.config.queueSize,
    stream_subscribers: g.hub.subscriberCount(),
    cli_version: (await g.cliVersion) ?? null,
    started_at: new Date(g.startedAt).toISOString(),
    uptime_seconds: Math.floor((Date.now() - g.startedAt) / 1000),
  };
}

/** GET /api/v1/stats/timeline: per minute over the last `minutes`, plus the figures of now. */
export function collectTimeline(g: Gateway, minutes: number, now = Date.now()) {
  const from = windowStart(now, minutes);
  const buckets = bucketTimeline(g.store.lifeSpansSince(from), now, minutes);
  return {
    minutes,
    bucket_seconds: MINUTE_MS / 1000,
    from: new Date(from).toISOString(),
    to: new Date(now).toISOString(),
    buckets: buckets.map((b) => ({ ...b, at: new Date(b.at).toISOString() })),
    queue: g.store.countByStatus(),
    running_clis: g.dispatcher.runningCount(),
    concurrency: g.config.concurrency,
    pause: pauseToJson(g.pause.current()),
  };
}
