// GET /api/v1/stats: queue depth by status, whether the queue is paused, CLI processes alive, CLI version, uptime.
import type { Gateway } from "../gateway";
import { pauseToJson } from "../queue/pause-schema";

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
