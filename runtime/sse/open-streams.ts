// Every open SSE response: one timer sends the heartbeat comment to all of them (not a timer per stream), the
// compatible APIs' streams included, shutdown can end the job streams at once instead of waiting for their jobs,
// and the caps on open job streams (in all, and per owner: an API key, or the job of a signed stream URL) are
// counted here.
import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";

/**
 * Whom a stream counts against: the API key that opened it (by digest, so no key is kept in a map), or, for a
 * signed stream URL, which does not say which key it was issued to, the job it opens.
 */
export function streamOwner(apiKey: string | undefined, jobId: string): string {
  return apiKey === undefined ? `job:${jobId}` : `key:${createHash("sha256").update(apiKey).digest("base64url")}`;
}

/** The event that ends every job stream at shutdown: not stored, so it has no id and `/events` never shows it. */
export const RESTARTING_EVENT = "restarting";

/** The headers of every SSE response: no caching, and no buffering by nginx (X-Accel-Buffering). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
};

export interface StreamCaps {
  /** Most streams open at once on the server (CLAUDEGATE_MAX_STREAMS). */
  total: number;
  /** Most streams open at once per owner (CLAUDEGATE_MAX_STREAMS_PER_KEY). */
  perOwner: number;
}

export class OpenStreams {
  /** Each open response: the job it streams, the owner it counts against, whether a ping may go out now. */
  private readonly streams = new Map<ServerResponse, { jobId: string; owner: string; quiet: boolean }>();
  private readonly perOwner = new Map<string, number>();
  /** The compatible APIs' streams: only the heartbeat, in their dialect's form (no cap, no `restarting` event). */
  private readonly pings = new Map<ServerResponse, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    heartbeatMs: number,
    private readonly caps: StreamCaps = { total: Infinity, perOwner: Infinity },
  ) {
    // A comment line keeps proxies (nginx's proxy_read_timeout, load balancers' idle cuts) from dropping a
    // quiet stream, e.g. one waiting for its job to leave the queue.
    this.timer = setInterval(() => {
      for (const [res, s] of this.streams) if (!s.quiet && !res.writableNeedDrain) res.write(": ping\n\n");
      for (const [res, ping] of this.pings) if (!res.writableNeedDrain) res.write(ping);
    }, heartbeatMs);
    this.timer.unref();
  }

  /** Writes `ping` to `res` at each heartbeat until the returned function is called. */
  keepAlive(res: ServerResponse, ping: string): () => void {
    this.pings.set(res, ping);
    return () => void this.pings.delete(res);
  }

  /** Why `owner` may not open another stream now (the 429 message), or undefined when it may. */
  refusal(owner: string): string | undefined {
    if ((this.perOwner.get(owner) ?? 0) >= this.caps.perOwner) {
      return owner.startsWith("job:")
        ? `too many open streams for this job's stream URL (CLAUDEGATE_MAX_STREAMS_PER_KEY=${this.caps.perOwner})`
        : `too many open streams for this API key (CLAUDEGATE_MAX_STREAMS_PER_KEY=${this.caps.perOwner})`;
    }
    if (this.streams.size >= this.caps.total) return `too many open streams on this server (CLAUDEGATE_MAX_STREAMS=${this.caps.total})`;
    return undefined;
  }

  add(res: ServerResponse, jobId: string, owner: string): void {
    if (this.streams.has(res)) return;
    this.streams.set(res, { jobId, owner, quiet: false });
    this.perOwner.set(owner, (this.perOwner.get(owner) ?? 0) + 1);
  }

  /**
   * Marks a stream that is writing one frame in several pieces (a long event in slices): neither a ping nor the
   * shutdown's `restarting` event may land in the middle of it.
   */
  quiet(res: ServerResponse, quiet: boolean): void {
    const s = this.streams.get(res);
    if (s) s.quiet = quiet;
  }

  delete(res: ServerResponse): void {
    const s = this.streams.get(res);
    if (!s) return;
    this.streams.delete(res);
    const n = (this.perOwner.get(s.owner) ?? 1) - 1;
    if (n > 0) this.perOwner.set(s.owner, n);
    else this.perOwner.delete(s.owner);
  }

  get size(): number {
    return this.streams.size;
  }

  /**
   * Ends every stream at shutdown with a `restarting` event (no id: it is not part of the job's history), so
   * clients know to reconnect, with their Last-Event-ID, to the next server.
   */
  endAll(): void {
    clearInterval(this.timer);
    for (const [res, { jobId, quiet }] of this.streams) {
      // Mid-frame, the frame is left incomplete (a client drops it and resumes before it) rather than broken.
      if (quiet) res.end();
      else res.end(`event: ${RESTARTING_EVENT}\ndata: ${JSON.stringify({ job_id: jobId, reason: "server restarting" })}\n\n`);
    }
    this.streams.clear();
    this.perOwner.clear();
  }
}
