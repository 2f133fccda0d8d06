// The one place the environment is read. Everything else receives a Config.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { envSchema, type Model } from "./schema";
import type { SandboxSetting } from "../sandbox/modes";
import { isLoopbackHost, type ListenAddr } from "./listen-addr";
import { resolveClaudePath } from "./claude-path";
import { loadOrCreateSecret, secretPathNextTo } from "./secret-file";
import { AddressPolicy } from "../webhooks/address-policy";
import { newWebhookSecret } from "../webhooks/signer";
import type { Level } from "../log";
import { policySchema, type KeyPolicy } from "../tenants/policy";
import { loadMcpServers } from "./mcp-config";
import type { WorkspaceStorageSpec } from "../workspace/storage-spec";
import { ConfigError } from "./config-error";

export interface Config {
  listen: ListenAddr;
  apiKeys: string[];
  /** Set when the key was generated because none was configured: printed once at start-up. */
  generatedKey?: { value: string; file: string; created: boolean };
  claudePath: string;
  defaultModel: Model;
  /** The models jobs may use (CLAUDEGATE_ALLOWED_MODELS); empty: every alias and full model id. */
  allowedModels: string[];
  concurrency: number;
  /** CLI processes kept started and waiting for a job's prompt (0: off); not counted in `concurrency` while idle. */
  warmProcesses: number;
  dbPath: string;
  /** PostgreSQL (CLAUDEGATE_DATABASE_URL) instead of the SQLite file at dbPath: several gateways may share it. */
  databaseUrl?: string;
  databasePoolSize: number;
  /** How long a running job's lease lasts unless its instance renews it (renewed every third of it). */
  leaseMs: number;
  /** Secrets generated into files next to dbPath (none was configured): on PostgreSQL, the cluster's are used. */
  generatedSecrets: { webhook: boolean; stream: boolean };
  queueSize: number;
  securityPrompt: boolean;
  jobTimeoutMs: number;
  corsOrigins: string[];
  jobTtlMs: number;
  cleanupIntervalMs: number;
  rateLimit: number;
  maxAttempts: number;
  allowedTools: string[];
  /** Permission modes a job may ask for (CLAUDEGATE_ALLOWED_PERMISSION_MODES). */
  allowedPermissionModes: string[];
  /** The MCP servers jobs may name, by name, each as the CLI's mcp-config defines it (CLAUDEGATE_MCP_CONFIG). */
  mcpServers: Record<string, Record<string, unknown>>;
  /** Where workspace file contents are kept (CLAUDEGATE_WORKSPACE_STORAGE). */
  workspaceStorage: WorkspaceStorageSpec;
  workspaceMaxFileBytes: number;
  workspaceMaxBytes: number;
  cliEnv: string[];
  maxResultBytes: number;
  skipPermissions: boolean;
  limitBackoffMs: number;
  stallTimeoutMs: number;
  shutdownGraceMs: number;
  webhookSecret: string;
  webhookMaxAttempts: number;
  webhookAllowedHosts: string[];
  webhookTimeoutMs: number;
  webhookScheduleMs: number[];
  sseHeartbeatMs: number;
  /** Most SSE streams open at once, in all and per API key (or per job for signed stream URLs). */
  maxStreams: number;
  maxStreamsPerKey: number;
  streamSecret: string;
  streamTokenTtlMs: number;
  /** Whether a client of /v1/ that disconnects before its answer cancels its job (else the job finishes). */
  compatCancelOnDisconnect: boolean;
  logLevel: Level;
  /** Where a key-less /metrics listener listens (CLAUDEGATE_METRICS_ADDR), or undefined for none. */
  metricsListen: ListenAddr | undefined;
  /** Limits for every tenant key, for the fields its own policy leaves out. */
  tenantDefaultPolicy: KeyPolicy;
  /** What CLAUDEGATE_SANDBOX asks for; the mode in use is decided by the start-up probe (runtime/sandbox/probe.ts). */
  sandbox: SandboxSetting;
  /** User mode's first uid: runs use sandboxUid .. sandboxUid + concurrency + warmProcesses - 1. */
  sandboxUid?: number;
}

export { ConfigError } from "./config-error";

/** Reads `.env` from the working directory without overriding variables that are already set. */
export function loadDotEnv(cwd = process.cwd()): void {
  const file = resolve(cwd, ".env");
  if (existsSync(file)) process.loadEnvFile(file);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty value counts as unset, as in the original.
  const input = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith("CLAUDEGATE_") && v !== undefined && v !== ""),
  );
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(parsed.error.issues[0]!.message);
  const e = parsed.data;
  try {
    new AddressPolicy(e.CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS);
  } catch (err) {
    throw new ConfigError(`CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS: ${(err as Error).message}`);
  }

  let apiKeys = e.CLAUDEGATE_API_KEYS;
  let generatedKey: Config["generatedKey"];
  if (apiKeys.length === 0) {
    if (!isLoopbackHost(e.CLAUDEGATE_LISTEN_ADDR.host)) {
      // Only loopback listeners may run on a generated key; elsewhere an operator must choose keys on purpose.
      if (!("CLAUDEGATE_LISTEN_ADDR" in input)) {
        e.CLAUDEGATE_LISTEN_ADDR.host = "127.0.0.1";
      } else {
        throw new ConfigError(
          `CLAUDEGATE_API_KEYS must not be empty when listening on a non-loopback address (${env.CLAUDEGATE_LISTEN_ADDR})`,
        );
      }
    }
    const file = secretPathNextTo(e.CLAUDEGATE_DB_PATH, "claudegate.api-key");
    const secret = loadOrCreateSecret(file, () => `cg_${randomBytes(24).toString("base64url")}`);
    apiKeys = [secret.value];
    generatedKey = { ...secret, file };
  }

  return {
    listen: e.CLAUDEGATE_LISTEN_ADDR,
    apiKeys,
    generatedKey,
    claudePath: resolveClaudePath(e.CLAUDEGATE_CLAUDE_PATH, env.PATH),
    defaultModel: e.CLAUDEGATE_DEFAULT_MODEL,
    allowedModels: e.CLAUDEGATE_ALLOWED_MODELS,
    concurrency: e.CLAUDEGATE_CONCURRENCY,
    warmProcesses: e.CLAUDEGATE_WARM_PROCESSES,
    dbPath: e.CLAUDEGATE_DB_PATH,
    databaseUrl: e.CLAUDEGATE_DATABASE_URL,
    databasePoolSize: e.CLAUDEGATE_DATABASE_POOL_SIZE,
    leaseMs: e.CLAUDEGATE_LEASE_SECONDS * 1000,
    generatedSecrets: { webhook: e.CLAUDEGATE_WEBHOOK_SECRET === undefined, stream: e.CLAUDEGATE_STREAM_SECRET === undefined },
    queueSize: e.CLAUDEGATE_QUEUE_SIZE,
    securityPrompt: !e.CLAUDEGATE_UNSAFE_NO_SECURITY_PROMPT,
    jobTimeoutMs: e.CLAUDEGATE_JOB_TIMEOUT_MINUTES * 60_000,
    corsOrigins: e.CLAUDEGATE_CORS_ORIGINS,
    jobTtlMs: e.CLAUDEGATE_JOB_TTL_HOURS * 3_600_000,
    cleanupIntervalMs: e.CLAUDEGATE_CLEANUP_INTERVAL_MINUTES * 60_000,
    rateLimit: e.CLAUDEGATE_RATE_LIMIT,
    maxAttempts: e.CLAUDEGATE_MAX_ATTEMPTS,
    allowedTools: e.CLAUDEGATE_ALLOWED_TOOLS,
    allowedPermissionModes: e.CLAUDEGATE_ALLOWED_PERMISSION_MODES,
    mcpServers: loadMcpServers(e.CLAUDEGATE_MCP_CONFIG),
    workspaceStorage: e.CLAUDEGATE_WORKSPACE_STORAGE,
    workspaceMaxFileBytes: e.CLAUDEGATE_WORKSPACE_MAX_FILE_BYTES,
    workspaceMaxBytes: e.CLAUDEGATE_WORKSPACE_MAX_BYTES,
    cliEnv: e.CLAUDEGATE_CLI_ENV,
    maxResultBytes: e.CLAUDEGATE_MAX_RESULT_BYTES,
    skipPermissions: e.CLAUDEGATE_SKIP_PERMISSIONS,
    limitBackoffMs: e.CLAUDEGATE_LIMIT_BACKOFF_SECONDS * 1000,
    stallTimeoutMs: e.CLAUDEGATE_STALL_TIMEOUT_SECONDS * 1000,
    shutdownGraceMs: e.CLAUDEGATE_SHUTDOWN_GRACE_SECONDS * 1000,
    webhookSecret:
      e.CLAUDEGATE_WEBHOOK_SECRET ?? loadOrCreateSecret(secretPathNextTo(e.CLAUDEGATE_DB_PATH, "claudegate.webhook-secret"), newWebhookSecret).value,
    webhookMaxAttempts: e.CLAUDEGATE_WEBHOOK_MAX_ATTEMPTS,
    webhookAllowedHosts: e.CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS,
    webhookTimeoutMs: e.CLAUDEGATE_WEBHOOK_TIMEOUT_SECONDS * 1000,
    webhookScheduleMs: e.CLAUDEGATE_WEBHOOK_RETRY_SCHEDULE,
    sseHeartbeatMs: e.CLAUDEGATE_SSE_HEARTBEAT_SECONDS * 1000,
    maxStreams: e.CLAUDEGATE_MAX_STREAMS,
    maxStreamsPerKey: e.CLAUDEGATE_MAX_STREAMS_PER_KEY,
    streamSecret:
      e.CLAUDEGATE_STREAM_SECRET ??
      loadOrCreateSecret(secretPathNextTo(e.CLAUDEGATE_DB_PATH, "claudegate.stream-secret"), () => randomBytes(32).toString("base64url")).value,
    streamTokenTtlMs: e.CLAUDEGATE_STREAM_TOKEN_TTL_SECONDS * 1000,
    compatCancelOnDisconnect: e.CLAUDEGATE_COMPAT_CANCEL_ON_DISCONNECT,
    logLevel: e.CLAUDEGATE_LOG_LEVEL,
    metricsListen: e.CLAUDEGATE_METRICS_ADDR,
    tenantDefaultPolicy: tenantDefaults(e.CLAUDEGATE_TENANT_DEFAULT_POLICY),
    sandbox: e.CLAUDEGATE_SANDBOX,
    sandboxUid: e.CLAUDEGATE_SANDBOX_UID,
  };
}

/** CLAUDEGATE_TENANT_DEFAULT_POLICY: a policy in JSON, checked by the same rules as a key's own. */
function tenantDefaults(raw: string | undefined): KeyPolicy {
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError("CLAUDEGATE_TENANT_DEFAULT_POLICY must be a JSON object, e.g. {\"max_running\":1}");
  }
  const parsed = policySchema.safeParse(value);
  if (!parsed.success) throw new ConfigError(`CLAUDEGATE_TENANT_DEFAULT_POLICY: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}
