// GET /api/v1/stats: queue depth by status, whether the queue is paused, CLI processes alive, CLI version, uptime.
import type { Gateway } from "../gateway";
import { pauseToJson } from "../queue/pause-schema";
import { bucketTimeline, MINUTE_MS, windowStart } from "./timeline";

/** The queue as it is now, in both answers: jobs by status, the pause, CLIs running and the most that may. */
async function queueNow(g: Gateway) {
  return {
    queue: await g.store.countByStatus(),
    pause: pauseToJson(g.pause.current()),
    running_clis: g.dispatcher.runningCount(),
    concurrency: g.config.concurrency,
  };
}

export async function collectStats(g: Gateway) {
  return {
    ...(await queueNow(g)),
    queue_size: g.config.queueSize,
    stream_subscribers: g.hub.subscriberCount(),
    cli_version: (await g.cliVersion) ?? null,
    started_at: new Date(g.startedAt).toISOString(),
    uptime_seconds: Math.floor((Date.now() - g.startedAt) / 1000),
    database: g.database.engine,
    instance_id: g.instance.id,
    instances: await clusterMembers(g),
  };
}

/** The instances heard from within three leases, with the jobs each holds a lease on; one SQLite gateway alone. */
async function clusterMembers(g: Gateway) {
  if (!g.cluster) {
    const i = g.instance;
    const now = new Date().toISOString();
    return [{ id: i.id, host: i.host, pid: i.pid, started_at: new Date(i.startedAt).toISOString(), last_heartbeat: now, running_jobs: g.dispatcher.runningCount() }];
  }
  const [alive, running] = await Promise.all([g.instances.alive(Date.now() - 3 * g.config.leaseMs), g.store.runningByInstance()]);
  const byInstance = new Map(running.map((r) => [r.instance, r.running]));
  return alive.map((i) => ({
    id: i.id,
    host: i.host,
    pid: i.pid,
    started_at: new Date(i.started_at).toISOString(),
    last_heartbeat: new Date(i.heartbeat_at).toISOString(),
    running_jobs: byInstance.get(i.id) ?? 0,
  }));
}

/** GET /api/v1/stats/timeline: per minute over the last `minutes`, plus the figures of now. */
export async function collectTimeline(g: Gateway, minutes: number, now = Date.now()) {
  const from = windowStart(now, minutes);
  const buckets = bucketTimeline(await g.store.lifeSpansSince(from), now, minutes);
  return {
    minutes,
    bucket_seconds: MINUTE_MS / 1000,
    from: new Date(from).toISOString(),
    to: new Date(now).toISOString(),
    buckets: buckets.map((b) => ({ ...b, at: new Date(b.at).toISOString() })),
    ...(await queueNow(g)),
  };
}
