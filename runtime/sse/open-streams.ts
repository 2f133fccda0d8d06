// Every open SSE response: one timer sends the heartbeat comment to all of them (not a timer per stream),
// and shutdown can end them all at once instead of waiting for their jobs.
import type { ServerResponse } from "node:http";

export class OpenStreams {
  /** Each open response, with the job it streams. */
  private readonly streams = new Map<ServerResponse, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(heartbeatMs: number) {
    // A comment line keeps proxies (nginx's proxy_read_timeout, load balancers' idle cuts) from dropping a
    // quiet stream, e.g. one waiting for its job to leave the queue.
    this.timer = setInterval(() => {
      for (const res of this.streams.keys()) if (!res.writableNeedDrain) res.write(": ping\n\n");
    }, heartbeatMs);
    this.timer.unref();
  }

  add(res: ServerResponse, jobId: string): void {
    this.streams.set(res, jobId);
  }

  delete(res: ServerResponse): void {
    this.streams.delete(res);
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
    for (const [res, jobId] of this.streams) {
      res.end(`event: restarting\ndata: ${JSON.stringify({ job_id: jobId, reason: "server restarting" })}\n\n`);
    }
    this.streams.clear();
  }
}
