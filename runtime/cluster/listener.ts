// One dedicated PostgreSQL connection per instance that LISTENs on every channel (a pooled connection would be
// handed back and stop listening). When it is lost (the database restarted, the network dropped) it reconnects
// with backoff and calls `onReconnect`: notifications sent meanwhile are gone, so what they would have said is
// re-read from the rows.
import pg from "pg";
import { log } from "../log";
import { CHANNELS, type Channel } from "./channels";

export type Handlers = Record<Channel, (payload: string) => void>;

export class ClusterListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private delay = 250;
  /** Whether the connection is up now (health reports it). */
  connected = false;

  constructor(
    private readonly url: string,
    private readonly handlers: Handlers,
    private readonly onReconnect: () => void,
  ) {}

  async start(): Promise<void> {
    await this.connect(false);
  }

  private async connect(again: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000, keepAlive: true, application_name: "claudegate-listener" });
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client, new Error("connection ended")));
    client.on("notification", (n) => {
      const handle = this.handlers[n.channel as Channel];
      if (handle) handle(n.payload ?? "");
    });
    try {
      await client.connect();
      for (const channel of Object.values(CHANNELS)) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      client.removeAllListeners("end");
      await client.end().catch(() => {});
      if (!again) throw err;
      return this.schedule(err as Error);
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.connected = true;
    this.delay = 250;
    if (again) {
      log("info", "cluster listener reconnected");
      this.onReconnect();
    }
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.connected = false;
    client.removeAllListeners("end");
    void client.end().catch(() => {});
    if (!this.stopped) this.schedule(err);
  }

  private schedule(err: Error): void {
    if (this.stopped) return;
    log("warn", "cluster listener disconnected; reconnecting", { error: err.message, retry_ms: this.delay });
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(true), this.delay);
    this.retry.unref();
    this.delay = Math.min(this.delay * 2, 5_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    if (client) {
      client.removeAllListeners("end");
      await client.end().catch(() => {});
    }
  }
}
