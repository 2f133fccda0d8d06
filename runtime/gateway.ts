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
import { db0Of, openDatabase, type Sqlite } from "./store/database";
import { WorkspaceStore } from "./workspace/workspace-store";
import { createWorkspaceStorage } from "./workspace/storage";
import { DatabaseLockedError, lockDatabase, type DatabaseLock } from "./store/db-lock";
import { JobStore } from "./store/job-store";
import { JobText } from "./store/job-text";
import { WriteBatcher } from "./store/write-batcher";
import { RateLimiter } from "./http/rate-limiter";
import { IdempotencyKeys } from "./job/idempotency";
import { ConversationStore } from "./store/conversation-store";
import { finishJob } from "./job/finish";
import { jobsRequeued, setAllowedModels, setKeyNames } from "./metrics/observe";
import { setScrapeSource } from "./metrics/registry";
import { databaseScrapeSource } from "./metrics/scrape-source";
import { tokenExpiresAt } from "./health/credentials";
import { KeyStore } from "./tenants/key-store";
import { signersFor } from "./tenants/signers";
import { heldOwners } from "./tenants/limits";
import { UsageLedger } from "./tenants/usage-ledger";
import { wakeEachUtcDay } from "./tenants/period-wake";
import type { SandboxChoice } from "./sandbox/probe";
import { SandboxUnavailableError } from "./sandbox/probe";
import { startSandbox } from "./sandbox/start";

export interface Gateway {
  config: Config;
  /** The sandbox every CLI run starts in, and why (the start-up probe's verdict). */
  sandbox: SandboxChoice;
  dbLock: DatabaseLock;
  db: Sqlite;
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
  booting ??= Promise.resolve().then(() => {
    const config = orExit("config: ", ConfigError, () => {
      loadDotEnv();
      const c = loadConfig();
      setLogLevel(c.logLevel);
      return c;
    });
    // Before anything touches the database or the processes of its runs (the orphan reaper, recovery).
    const dbLock = orExit("", DatabaseLockedError, () => lockDatabase(resolve(config.dbPath)));
    const sandbox = orExit("sandbox: ", SandboxUnavailableError, () => startSandbox(config));
    current = build(config, dbLock, sandbox);
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

function build(config: Config, dbLock: DatabaseLock, sandbox: SandboxChoice): Gateway {
  const db = openDatabase(config.dbPath);
  const store = new JobStore(db);
  const keys = new KeyStore(db, config.tenantDefaultPolicy);

  // Crash recovery: end what the last server's runs left behind (any job of this database: none runs yet)...
  const warmPrefix = warmMarkerPrefix(config.dbPath);
  const reaped = reapRunProcesses(isLeftover((jobId) => store.get(jobId) !== undefined, warmPrefix));

  const hub = new EventHub();
  const events = new EventLog(db, hub);
  const pool = new CliPool(config.concurrency, config.warmProcesses, sandbox.sandbox);
  const warm = new WarmPool(config.warmProcesses, pool, warmPrefix);
  const outbox = new WebhookOutbox(db);
  const webhookSender = new WebhookSender(
    outbox,
    new AddressPolicy(config.webhookAllowedHosts),
    signersFor(keys, config.webhookSecret),
    networkDialer,
    { timeoutMs: config.webhookTimeoutMs, scheduleMs: config.webhookScheduleMs },
  );
  const webhooks = new Webhooks(outbox, webhookSender, config.webhookMaxAttempts);
  // ...then put its interrupted jobs back in the queue, or end those that used their attempts as any job ends:
  // with a `result` event closing their streams and their webhook queued, in the transaction that fails them.
  const recovered = store.transaction(() => {
    const r = store.recoverInterrupted(config.maxAttempts);
    for (const job of r.failed) finishJob({ store, events, webhooks }, () => job);
    return { requeued: r.requeued, failed: r.failed.length };
  });
  store.sessions.releaseAll(); // the last server's runs are gone: their sessions' next turns may run
  // A crash spent these runs' attempts (unlike a shutdown's requeue, which refunds them).
  for (const job of recovered.requeued) log("info", "job requeued", { ...jobFields(job), reason: "crash_recovery", attempt: job.attempts });
  jobsRequeued("crash_recovery", recovered.requeued.length);
  if (reaped.length || recovered.requeued.length || recovered.failed) {
    log("info", "recovery", { reaped: reaped.length, requeued: recovered.requeued.length, failed: recovered.failed });
  }
  const pause = new QueuePause(db);
  const ledger = new UsageLedger(db);
  const workspaces = new WorkspaceStore(db, createWorkspaceStorage(config.workspaceStorage, db0Of(db)!), {
    maxFileBytes: config.workspaceMaxFileBytes,
    maxBytes: config.workspaceMaxBytes,
  });
  const dispatcher = new Dispatcher(config, store, events, pool, pause, webhooks, () => heldOwners({ keys, store, ledger }), workspaces, warm);
  warm.keepWarmFor(defaultRunSpec(config));
  const gateway: Gateway = {
    config,
    sandbox,
    dbLock,
    db,
    store,
    jobText: new JobText(db),
    hub,
    events,
    streams: new OpenStreams(config.sseHeartbeatMs, { total: config.maxStreams, perOwner: config.maxStreamsPerKey }),
    tokens: new StreamTokens(config.streamSecret, config.streamTokenTtlMs),
    pool,
    warm,
    dispatcher,
    pause,
    jobs: { config, store, events, dispatcher, webhooks, writes: new WriteBatcher(db) },
    outbox,
    webhookSender,
    rateLimiter: new RateLimiter(config.rateLimit),
    idempotency: new IdempotencyKeys(db),
    conversations: new ConversationStore(db),
    keys,
    ledger,
    workspaces,
    startedAt: Date.now(),
    cliVersion: pool.cliVersion(config.claudePath).catch(() => undefined),
    stopCleanup: both(startCleanup(store, config.jobTtlMs, config.cleanupIntervalMs, workspaces), wakeEachUtcDay(() => dispatcher.pump())),
  };
  setKeyNames((id) => keys.get(id)?.name);
  setAllowedModels(config.allowedModels);
  setScrapeSource(
    databaseScrapeSource({
      db,
      store,
      concurrency: config.concurrency,
      runningClis: () => dispatcher.runningCount(),
      openStreams: () => gateway.streams.size,
      tokenExpiresAt: () => tokenExpiresAt(),
    }),
  );
  return gateway;
}

const both = (a: () => void, b: () => void) => () => (a(), b());

/**
 * Starts running queued jobs and sending pending webhooks. Separate from booting so that a server that
 * cannot listen (the port is taken) exits without having claimed a job and spent one of its attempts.
 */
export function startWork(g: Gateway): void {
  g.dispatcher.pump();
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
  g.idempotency.close();
  await Promise.all([g.warm.close(), g.dispatcher.stop(g.config.shutdownGraceMs)]);
  await g.webhookSender.stop();
  g.events.flush(); // streams get the events of the stop (jobs requeued) before they end
  g.streams.endAll();
  await g.pool.close();
  g.events.close();
  g.db.close();
  g.dbLock.release();
}
