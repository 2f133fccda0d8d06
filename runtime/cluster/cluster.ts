// A gateway as a member of a cluster on one PostgreSQL database: it hears the others (LISTEN), tells them what
// they must know (NOTIFY, runtime/cluster/signals.ts), renews its leases and recovers dead members' runs
// (runtime/cluster/membership.ts), and re-reads the shared state it caches (keys, the pause) when told and
// every few seconds, so a lost notification costs seconds, not for ever.
import { randomBytes } from "node:crypto";
import type { Config } from "../config";
import type { EventLog } from "../events/event-log";
import type { EventHub } from "../events/hub";
import type { JobDeps } from "../job/commands";
import { log } from "../log";
import type { Dispatcher } from "../queue/dispatcher";
import type { QueuePause } from "../queue/queue-pause";
import type { JobStore } from "../store/job-store";
import type { Sql } from "../store/sql/sql";
import type { KeyStore } from "../tenants/key-store";
import { newWebhookSecret } from "../webhooks/signer";
import type { Webhooks } from "../webhooks/webhooks";
import { CHANNELS, MAX_PAYLOAD_BYTES } from "./channels";
import type { Instance, Instances } from "./instance";
import { ClusterListener } from "./listener";
import { startMembership } from "./membership";
import { RemoteEvents } from "./remote-events";
import { announceEvents, jobSignals, linesWithin, notify } from "./signals";

export interface ClusterDeps {
  url: string;
  sql: Sql;
  me: Instance;
  instances: Instances;
  store: JobStore;
  events: EventLog;
  hub: EventHub;
  webhooks: Webhooks;
  dispatcher: Dispatcher;
  pause: QueuePause;
  keys: KeyStore;
  jobs: JobDeps;
  config: Config;
}

/** How often cached shared state is re-read without a notification. */
const RELOAD_MS = 5_000;
/** How long a watch another instance announced holds; the watcher announces its jobs again every third of it. */
const WATCH_MS = 60_000;

export class Cluster {
  static readonly announceEvents = announceEvents;
  static keysChanged = (sql: Sql) => notify(sql, CHANNELS.keys);
  static pauseChanged = (sql: Sql) => notify(sql, CHANNELS.pause);

  /** Whether the last round of duties reached the database. */
  databaseOk = true;

  private constructor(
    private readonly listener: ClusterListener,
    private readonly stopMembership: () => Promise<void>,
    private readonly reloadTimer: NodeJS.Timeout,
    private readonly deps: ClusterDeps,
  ) {}

  /** Whether this instance hears the others now. */
  get listening(): boolean {
    return this.listener.connected;
  }

  /**
   * Secrets generated because none was configured must be the same on every instance (a stream URL signed by
   * one is opened on another; a receiver checks one webhook secret): the first instance's are stored and used.
   */
  static async shareSecrets(sql: Sql, config: Config): Promise<void> {
    const shared = async (name: string, make: () => string) => {
      await sql.run(`INSERT INTO cluster_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, [name, make()]);
      return (await sql.value<string>(`SELECT value FROM cluster_secrets WHERE name = ?`, [name]))!;
    };
    if (config.generatedSecrets.webhook) config.webhookSecret = await shared("webhook", newWebhookSecret);
    if (config.generatedSecrets.stream) config.streamSecret = await shared("stream", () => randomBytes(32).toString("base64url"));
  }

  static async join(deps: ClusterDeps): Promise<Cluster> {
    const { dispatcher, pause, keys } = deps;
    deps.jobs.cluster = jobSignals(() => dispatcher.runningCount() < deps.config.concurrency);
    const remote = new RemoteEvents(deps.events, deps.hub);
    const reloadShared = () =>
      Promise.all([keys.reload(), pause.reload()])
        .then(() => dispatcher.pump())
        .catch((err: unknown) => log("warn", "could not re-read shared state", { error: String((err as Error)?.message ?? err) }));
    const listener = new ClusterListener(
      deps.url,
      {
        [CHANNELS.events]: (p) => remote.heard(p),
        [CHANNELS.ended]: (jobId) => void dispatcher.cancel(jobId),
        [CHANNELS.queued]: () => dispatcher.pump(),
        [CHANNELS.pause]: () => void reloadShared(),
        [CHANNELS.keys]: () => void keys.reload().catch(() => {}),
        [CHANNELS.watch]: (payload) => {
          for (const jobId of payload.split("\n")) if (jobId) deps.events.watchedElsewhere(jobId, Date.now() + WATCH_MS);
        },
      },
      () => {
        remote.catchUp();
        void reloadShared();
      },
    );
    await listener.start();
    let cluster: Cluster | undefined;
    const stopMembership = await startMembership({
      sql: deps.sql,
      me: deps.me,
      instances: deps.instances,
      dispatcher,
      store: deps.store,
      events: deps.events,
      webhooks: deps.webhooks,
      maxAttempts: deps.config.maxAttempts,
      leaseMs: deps.config.leaseMs,
      onRound: (ok) => {
        if (cluster) cluster.databaseOk = ok;
      },
    });
    // A client here watching a job another instance runs: that instance stores the job's events at once instead of
    // every 15 ms, so chunks reach this client as soon as from its own instance (P8).
    const announceWatch = (jobIds: string[]) => {
      const remote = jobIds.filter((id) => !dispatcher.runsHere(id));
      for (const payload of linesWithin(remote, MAX_PAYLOAD_BYTES)) void notify(deps.sql, CHANNELS.watch, payload).catch(() => {});
    };
    deps.hub.onFirstSubscriber = (jobId) => announceWatch([jobId]);
    let sinceWatch = 0;
    const reloadTimer = setInterval(() => {
      void reloadShared();
      if ((sinceWatch += RELOAD_MS) >= WATCH_MS / 3) {
        sinceWatch = 0;
        announceWatch([...deps.hub.watchedJobs()]);
      }
    }, RELOAD_MS);
    reloadTimer.unref();
    cluster = new Cluster(listener, stopMembership, reloadTimer, deps);
    return cluster;
  }

  async leave(): Promise<void> {
    this.deps.hub.onFirstSubscriber = undefined;
    clearInterval(this.reloadTimer);
    await this.stopMembership();
    await this.listener.stop();
    await this.deps.instances.leave(this.deps.me).catch(() => {});
  }
}
