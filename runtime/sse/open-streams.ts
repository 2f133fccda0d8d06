// Every open SSE response: one timer sends the heartbeat comment to all of them (not a timer per stream),
// and shutdown can end them all at once instead of waiting for their jobs.
import type { ServerResponse } from "node:http";

export class OpenStreams {
  private readonly streams = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;

  constructor(heartbeatMs: number) {
    // A comment line keeps proxies (nginx's proxy_read_timeout, load balancers' idle cuts) from dropping a
    // quiet stream, e.g. one waiting for its job to leave the queue.
    this.timer = setInterval(() => {
      for (const res of this.streams) if (!res.writableNeedDrain) res.write(": ping\n\n");
    }, heartbeatMs);
    this.timer.unref();
  }

  add(res: ServerResponse): void {
    this.streams.add(res);
  }

  delete(res: ServerResponse): void {
    this.streams.delete(res);
  }

  get size(): number {
    return this.streams.size;
  }

  /** Ends every stream, after an optional last frame. */
  endAll(lastFrame?: string): void {
    clearInterval(this.timer);
    for (const res of this.streams) res.end(lastFrame);
    this.streams.clear();
  }
}
