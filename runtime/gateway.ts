// Builds the gateway once per process and tears it down: config, database, recovery, the event log, the CLI
// pool and the dispatcher. Handlers reach it through useGateway(); the server entry and the Nitro plugin call
// boot/stop.
import { resolve } from "node:path";
import type { Config } from "./config";
import { ConfigError, loadConfig, loadDotEnv } from "./config";
import { EventLog } from "./events/event-log";
import { EventHub } from "./events/hub";
import { StreamTokens } from "./events/stream-token";
import type { JobDeps } from "./job/commands";
import { jobFields, log, setLogLevel } from "./log";
import { CliPool } from "./queue/cli-pool";
import { startCleanup } from "./queue/cleanup";
import { Dispatcher } from "./queue/dispatcher";
import { QueuePause } from "./queue/queue-pause";
import { AddressPolicy } from "./webhooks/address-policy";
import { networkDialer } from "./webhooks/dial";
import { WebhookOutbox } from "./webhooks/outbox";
import { WebhookSender } from "./webhooks/sender";
import { Webhooks } from "./webhooks/webhooks";
import { isLeftover, reapRunProcesses } from "./queue/orphan-reaper";
import { WarmPool } from "./queue/warm-pool";
import { warmMarkerPrefix } from "./cli/warm-key";
import { defaultRunSpec } from "./cli/run-spec";
import { OpenStreams } from "./sse/open-streams";
import { openSqlite, type OpenDatabase } from "./store/database";
import { openPostgres, DatabaseUnavailableError } from "./store/pg/open";
import type { Sql } from "./store/sql/sql";
import { db0Over } from "./store/sql/db0-connector";
import { exclusively } from "./store/sql/exclusively";
import { WorkspaceStore } from "./workspace/workspace-store";
import { createWorkspaceStorage } from "./workspace/storage";
import { DatabaseLockedError, lockDatabase, type DatabaseLock } from "./store/db-lock";
import { JobStore } from "./store/job-store";
import { JobText } from "./store/job-text";
import { WriteBatcher } from "./store/write-batcher";
import { MemoryRateLimiter, type RateLimiter } from "./http/rate-limiter";
import { SharedRateLimiter } from "./http/shared-rate-limiter";
import { IdempotencyKeys } from "./job/idempotency";
import { ConversationStore } from "./store/conversation-store";
import { afterRecovery, recoverLostRuns } from "./queue/recovery";
import { setAllowedModels, setKeyNames } from "./metrics/observe";
import { setScrapeSource } from "./metrics/registry";
import { databaseScrapeSource } from "./metrics/scrape-source";
import { tokenExpiresAt } from "./health/credentials";
import { KeyStore } from "./tenants/key-store";
import { signersFor } from "./tenants/signers";
import { claimLimits } from "./tenants/limits";
import { UsageLedger } from "./tenants/usage-ledger";
import { wakeEachUtcDay } from "./tenants/period-wake";
import type { SandboxChoice } from "./sandbox/probe";
import { SandboxUnavailableError } from "./sandbox/probe";
import { startSandbox } from "./sandbox/start";
import { thisInstance, Instances, type Instance } from "./cluster/instance";
import { Cluster } from "./cluster/cluster";

export interface Gateway {
  config: Config;
  /** The sandbox every CLI run starts in, and why (the start-up probe's verdict). */
  sandbox: SandboxChoice;
  /** The OS lock on the SQLite file (none on PostgreSQL, where several gateways share the database). */
  dbLock: DatabaseLock | undefined;
  database: OpenDatabase;
  sql: Sql;
  /** This gateway as a cluster member (one SQLite gateway is a cluster of one). */
  instance: Instance;
  instances: Instances;
  /** LISTEN/NOTIFY and the periodic duties of a PostgreSQL member; undefined on SQLite. */
  cluster: Cluster | undefined;
  store: JobStore;
  jobText: JobText;
  hub: EventHub;
  events: EventLog;
  streams: OpenStreams;
  tokens: StreamTokens;
  pool: CliPool;
  warm: WarmPool;
  dispatcher: Dispatcher;
  pause: QueuePause;
  jobs: JobDeps;
  outbox: WebhookOutbox;
  webhookSender: WebhookSender;
  rateLimiter: RateLimiter;
  idempotency: IdempotencyKeys;
  conversations: ConversationStore;
  keys: KeyStore;
  ledger: UsageLedger;
  workspaces: WorkspaceStore;
  startedAt: number;
  cliVersion: Promise<string | undefined>;
  stopCleanup: () => void;
}

let booting: Promise<Gateway> | undefined;
let current: Gateway | undefined;

/** Boots once; a bad configuration prints one line and exits non-zero, as an operator expects of a daemon. */
export function bootGateway(): Promise<Gateway> {
  booting ??= Promise.resolve().then(async () => {
    const config = orExit("config: ", ConfigError, () => {
      loadDotEnv();
      const c = loadConfig();
      setLogLevel(c.logLevel);
      return c;
    });
    // Before anything touches the database or the processes of its runs (the orphan reaper, recovery). Several
    // gateways share a PostgreSQL database on purpose; a SQLite file has one.
    const dbLock = config.databaseUrl ? undefined : orExit("", DatabaseLockedError, () => lockDatabase(resolve(config.dbPath)));
    const database = config.databaseUrl
      ? await openPostgres(config.databaseUrl, { max: config.databasePoolSize }).catch((err: unknown) =>
          orExit("database: ", DatabaseUnavailableError, () => {
            throw err;
          }),
        )
      : openSqlite(config.dbPath);
    const sandbox = orExit("sandbox: ", SandboxUnavailableError, () => startSandbox(config));
    current = await build(config, dbLock, sandbox, database);
    return current;
  });
  return booting;
}

/** Runs a start-up step; an error of the kind it expects is the operator's to fix: one line on stderr, exit 1. */
function orExit<T>(prefix: string, expected: new (...args: never[]) => Error, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof expected) {
      process.stderr.write(`claudegate: ${prefix}${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function build(config: Config, dbLock: DatabaseLock | undefined, sandbox: SandboxChoice, database: OpenDatabase): Promise<Gateway> {
  const sql = database.sql;
  const shared = database.engine === "postgres";
  const instance = thisInstance();
  const instances = new Instances(sql);
  if (shared) await Cluster.shareSecrets(sql, config);
  const store = new JobStore(sql, database.reclaim);
  const keys = new KeyStore(sql, config.tenantDefaultPolicy, shared ? () => Cluster.keysChanged(sql) : undefined);
  await keys.reload();

  // Crash recovery: end what this machine's dead gateways' runs left behind (on SQLite: any job of this
  // database, none runs yet; on PostgreSQL other live instances' runs are left alone)...
  const warmPrefix = warmMarkerPrefix(config.databaseUrl ?? config.dbPath);
  const reaped = await reapRunProcesses(isLeftover(async (jobId) => (await store.ownerOf(jobId)) !== undefined, warmPrefix));

  const hub = new EventHub();
  const events = new EventLog(sql, hub, shared ? 15 : 50, shared ? Cluster.announceEvents : undefined);
  const pool = new CliPool(config.concurrency, config.warmProcesses, sandbox.sandbox);
  const warm = new WarmPool(config.warmProcesses, pool, warmPrefix);
  const outbox = new WebhookOutbox(sql);
  const webhookSender = new WebhookSender(
    outbox,
    new AddressPolicy(config.webhookAllowedHosts),
    signersFor(keys, config.webhookSecret),
    networkDialer,
    { timeoutMs: config.webhookTimeoutMs, scheduleMs: config.webhookScheduleMs },
  );
  const webhooks = new Webhooks(outbox, webhookSender, config.webhookMaxAttempts);
  if (!shared) {
    // ...then put the interrupted jobs back in the queue, or end those that used their attempts (on PostgreSQL
    // the cluster's periodic recovery does this for runs whose lease ran out).
    const recovered = await sql.transaction((tx) => recoverLostRuns({ store, events, webhooks, maxAttempts: config.maxAttempts }, tx, false));
    await store.sessions.releaseAll(); // the last server's runs are gone: their sessions' next turns may run
    afterRecovery({ store, events, webhooks, maxAttempts: config.maxAttempts }, recovered);
    if (reaped.length || recovered.requeued || recovered.failed.length) {
      log("info", "recovery", { reaped: reaped.length, requeued: recovered.requeued, failed: recovered.failed.length });
    }
  } else if (reaped.length) {
    log("info", "recovery", { reaped: reaped.length });
  }
  const pause = new QueuePause(sql, shared ? () => Cluster.pauseChanged(sql) : undefined);
  await pause.reload();
  const ledger = new UsageLedger(sql);
  const workspaces = new WorkspaceStore(sql, createWorkspaceStorage(config.workspaceStorage, db0Over(sql)), {
    maxFileBytes: config.workspaceMaxFileBytes,
    maxBytes: config.workspaceMaxBytes,
  });
  const claimant = { instance: instance.id, leaseMs: config.leaseMs };
  const dispatcher = new Dispatcher(config, store, events, pool, pause, webhooks, () => claimLimits({ keys, store, ledger }), workspaces, warm, claimant);
  warm.keepWarmFor(defaultRunSpec(config));
  const jobs: JobDeps = { config, store, events, dispatcher, webhooks, writes: new WriteBatcher(sql) };
  const idempotency = new IdempotencyKeys(sql);
  const cluster = shared
    ? await Cluster.join({ url: config.databaseUrl!, sql, me: instance, instances, store, events, hub, webhooks, dispatcher, pause, keys, jobs, config })
    : undefined;
  if (shared) await instances.heartbeat(instance);
  const gateway: Gateway = {
    config,
    sandbox,
    dbLock,
    database,
    sql,
    instance,
    instances,
    cluster,
    store,
    jobText: new JobText(sql),
    hub,
    events,
    streams: new OpenStreams(config.sseHeartbeatMs, { total: config.maxStreams, perOwner: config.maxStreamsPerKey }),
    tokens: new StreamTokens(config.streamSecret, config.streamTokenTtlMs),
    pool,
    warm,
    dispatcher,
    pause,
    jobs,
    outbox,
    webhookSender,
    rateLimiter: shared ? new SharedRateLimiter(sql, config.rateLimit) : new MemoryRateLimiter(config.rateLimit),
    idempotency,
    conversations: new ConversationStore(sql),
    keys,
    ledger,
    workspaces,
    startedAt: Date.now(),
    cliVersion: pool.cliVersion(config.claudePath).catch(() => undefined),
    stopCleanup: both(
      await startCleanup(sql, store, config.jobTtlMs, config.cleanupIntervalMs, workspaces),
      both(pruneIdempotencyHourly(sql, idempotency), wakeEachUtcDay(() => dispatcher.pump())),
    ),
  };
  setKeyNames((id) => keys.get(id)?.name);
  setAllowedModels(config.allowedModels);
  setScrapeSource(
    databaseScrapeSource({
      sql,
      store,
      concurrency: config.concurrency,
      runningClis: () => dispatcher.runningCount(),
      openStreams: () => gateway.streams.size,
      tokenExpiresAt: () => tokenExpiresAt(),
    }),
  );
  return gateway;
}

/** Idempotency records older than 24 hours go, hourly, by one instance. */
function pruneIdempotencyHourly(sql: Sql, idempotency: IdempotencyKeys): () => void {
  const timer = setInterval(() => {
    void exclusively(sql, "pruneIdempotency", () => idempotency.prune()).catch((err: unknown) =>
      log("warn", "could not prune idempotency records", { error: String((err as Error)?.message ?? err) }),
    );
  }, 3600_000);
  timer.unref();
  return () => clearInterval(timer);
}

const both = (a: () => void, b: () => void) => () => (a(), b());

/**
 * Starts running queued jobs and sending pending webhooks. Separate from booting so that a server that
 * cannot listen (the port is taken) exits without having claimed a job and spent one of its attempts.
 */
export function startWork(g: Gateway): void {
  g.dispatcher.startClaiming();
  g.webhookSender.wake(); // deliveries a previous run left pending
}

export function useGateway(): Gateway {
  if (!current) throw new Error("gateway not booted");
  return current;
}

/**
 * Stops claiming jobs, ends every running CLI (their jobs return to the queue), ends open streams (clients
 * resume from their last event id on the next server), and closes the database.
 */
export async function stopGateway(): Promise<void> {
  const g = current;
  if (!g) return;
  current = undefined;
  setScrapeSource(undefined);
  g.stopCleanup();
  await Promise.all([g.warm.close(), g.dispatcher.stop(g.config.shutdownGraceMs)]);
  await g.webhookSender.stop();
  await g.events.flush(); // streams get the events of the stop (jobs requeued) before they end
  g.streams.endAll();
  await g.pool.close();
  await g.events.close();
  await g.cluster?.leave();
  await g.database.close();
  g.dbLock?.release();
}
