// The environment contract: every CLAUDEGATE_* variable of the original (same names, defaults and meaning)
// plus ours. An empty value counts as unset, as in the original. Each rule's message is the one line printed
// at start-up when the value is bad, so it names the variable and the rule.
import { z } from "zod";
import { parseListenAddr, parseMetricsAddr } from "./listen-addr";
import { DEFAULT_SCHEDULE_SECONDS } from "../webhooks/retry-policy";
import { PERMISSION_MODES } from "../cli/cli-options";
import { parseStorageSpec } from "../workspace/storage-spec";
import { SANDBOX_SETTINGS, type SandboxSetting } from "../sandbox/modes";
import { LOG_LEVELS } from "../log";

/** The model aliases the CLI resolves itself (to the newest model of each family). */
export const MODELS = ["haiku", "sonnet", "opus"] as const;
export type ModelAlias = (typeof MODELS)[number];
/** A model a job may name: an alias, or a full model id such as `claude-sonnet-5` (passed to the CLI as is). */
export type Model = ModelAlias | `claude-${string}`;
export const MODEL_ID_PATTERN = /^claude-[a-z0-9][a-z0-9.-]{0,98}$/;
export const isModel = (v: string): v is Model => (MODELS as readonly string[]).includes(v) || MODEL_ID_PATTERN.test(v);
export const MODEL_RULE = `${MODELS.join(", ")} or a full model id (claude-...)`;

/**
 * A model name as a schema: an alias or a full id, refused with `message`. A union rather than a refinement (and
 * no transform), so the API document lists the aliases and the id pattern, for requests and responses alike.
 */
export const modelSchema = (message: string): z.ZodType<Model, string> => {
  const id = z.string({ error: message }).regex(MODEL_ID_PATTERN, message) as z.ZodType<`claude-${string}`, string>;
  return z.union([z.enum(MODELS, { error: message }), id], { error: message });
};

/** A field holding a model: an alias or a full id (which ones the operator allows is checked apart). */
export const modelField = (field: string) => modelSchema(`${field} must be one of: ${MODEL_RULE}`);

const int = (name: string, min: number, def: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return def;
      if (!/^-?\d+$/.test(v.trim())) {
        ctx.addIssue({ code: "custom", message: `${name}: invalid integer "${v}"` });
        return z.NEVER;
      }
      const n = Number(v.trim());
      if (n < min || n > max) {
        const rule = n > max ? `<= ${max}` : min === 1 ? "> 0" : `>= ${min}`;
        ctx.addIssue({ code: "custom", message: `${name} must be ${rule}` });
        return z.NEVER;
      }
      return n;
    });

const list = z
  .string()
  .optional()
  .transform((v) => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean));

/** Only the exact string "true" enables a flag, as in the original. */
const flag = z.string().optional().transform((v) => v === "true");

export const envSchema = z.object({
  CLAUDEGATE_LISTEN_ADDR: z
    .string()
    .default(":8080")
    .transform((v, ctx) => {
      try {
        return parseListenAddr(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `CLAUDEGATE_LISTEN_ADDR "${v}" ${(err as Error).message}` });
        return z.NEVER;
      }
    }),
  CLAUDEGATE_API_KEYS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return [];
      const keys = v.split(",").map((s) => s.trim()).filter(Boolean);
      if (keys.length === 0) {
        ctx.addIssue({ code: "custom", message: "CLAUDEGATE_API_KEYS contains no valid keys" });
        return z.NEVER;
      }
      return keys;
    }),
  CLAUDEGATE_CLAUDE_PATH: z.string().optional(),
  CLAUDEGATE_DEFAULT_MODEL: z
    .string()
    .default("haiku")
    .refine(isModel, {
      error: (issue) => `CLAUDEGATE_DEFAULT_MODEL "${String(issue.input)}" must be one of: ${MODEL_RULE}`,
    })
    .transform((v) => v as Model),
  CLAUDEGATE_ALLOWED_MODELS: list.refine((models) => models.every(isModel), `CLAUDEGATE_ALLOWED_MODELS must list only ${MODEL_RULE}`),
  CLAUDEGATE_CONCURRENCY: int("CLAUDEGATE_CONCURRENCY", 1, 1, 256),
  CLAUDEGATE_WARM_PROCESSES: int("CLAUDEGATE_WARM_PROCESSES", 0, 1, 16),
  CLAUDEGATE_DB_PATH: z.string().default("claudegate.db"),
  CLAUDEGATE_DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\/./.test(v), "CLAUDEGATE_DATABASE_URL must be a postgres:// or postgresql:// URL")
    .optional(),
  CLAUDEGATE_DATABASE_POOL_SIZE: int("CLAUDEGATE_DATABASE_POOL_SIZE", 2, 10, 200),
  CLAUDEGATE_LEASE_SECONDS: int("CLAUDEGATE_LEASE_SECONDS", 2, 30, 3600),
  CLAUDEGATE_QUEUE_SIZE: int("CLAUDEGATE_QUEUE_SIZE", 1, 1000),
  CLAUDEGATE_UNSAFE_NO_SECURITY_PROMPT: flag,
  CLAUDEGATE_JOB_TIMEOUT_MINUTES: int("CLAUDEGATE_JOB_TIMEOUT_MINUTES", 0, 0),
  CLAUDEGATE_CORS_ORIGINS: list,
  CLAUDEGATE_JOB_TTL_HOURS: int("CLAUDEGATE_JOB_TTL_HOURS", 0, 0),
  CLAUDEGATE_CLEANUP_INTERVAL_MINUTES: int("CLAUDEGATE_CLEANUP_INTERVAL_MINUTES", Number.MIN_SAFE_INTEGER, 60),
  CLAUDEGATE_RATE_LIMIT: int("CLAUDEGATE_RATE_LIMIT", 0, 0),
  CLAUDEGATE_MAX_ATTEMPTS: int("CLAUDEGATE_MAX_ATTEMPTS", 1, 2, 100),
  CLAUDEGATE_ALLOWED_TOOLS: list,
  CLAUDEGATE_ALLOWED_PERMISSION_MODES: list.refine(
    (modes) => modes.every((m) => (PERMISSION_MODES as readonly string[]).includes(m)),
    `CLAUDEGATE_ALLOWED_PERMISSION_MODES must list only: ${PERMISSION_MODES.join(", ")}`,
  ),
  // A file in the CLI's own --mcp-config format ({"mcpServers": {...}}), read and checked in loadConfig.
  CLAUDEGATE_MCP_CONFIG: z.string().optional(),
  CLAUDEGATE_WORKSPACE_STORAGE: z
    .string()
    .default("db")
    .transform((v, ctx) => {
      const spec = parseStorageSpec(v);
      if (!spec) ctx.addIssue({ code: "custom", message: `CLAUDEGATE_WORKSPACE_STORAGE "${v}" must be db or fs:<directory>` });
      return spec ?? z.NEVER;
    }),
  CLAUDEGATE_WORKSPACE_MAX_FILE_BYTES: int("CLAUDEGATE_WORKSPACE_MAX_FILE_BYTES", 1, 10 * 1024 * 1024),
  CLAUDEGATE_WORKSPACE_MAX_BYTES: int("CLAUDEGATE_WORKSPACE_MAX_BYTES", 1, 100 * 1024 * 1024),
  CLAUDEGATE_CLI_ENV: list,
  CLAUDEGATE_MAX_RESULT_BYTES: int("CLAUDEGATE_MAX_RESULT_BYTES", 1, 10 * 1024 * 1024),
  CLAUDEGATE_SKIP_PERMISSIONS: flag,
  CLAUDEGATE_WEBHOOK_SECRET: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^whsec_[A-Za-z0-9+/=]{16,}$/.test(v), "CLAUDEGATE_WEBHOOK_SECRET must look like whsec_<base64>"),
  CLAUDEGATE_WEBHOOK_MAX_ATTEMPTS: int("CLAUDEGATE_WEBHOOK_MAX_ATTEMPTS", 1, 9, 100),
  CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS: list,
  CLAUDEGATE_WEBHOOK_TIMEOUT_SECONDS: int("CLAUDEGATE_WEBHOOK_TIMEOUT_SECONDS", 1, 15, 300),
  CLAUDEGATE_WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default(DEFAULT_SCHEDULE_SECONDS.join(","))
    .transform((v, ctx) => {
      const parts = v.split(",").map((s) => s.trim());
      if (!parts.every((s) => /^\d+(\.\d+)?$/.test(s) && Number(s) > 0 && Number(s) <= 7 * 24 * 3600)) {
        ctx.addIssue({ code: "custom", message: "CLAUDEGATE_WEBHOOK_RETRY_SCHEDULE must be comma-separated positive seconds, e.g. 5,30,120" });
        return z.NEVER;
      }
      return parts.map((s) => Math.round(Number(s) * 1000));
    }),
  CLAUDEGATE_STALL_TIMEOUT_SECONDS: int("CLAUDEGATE_STALL_TIMEOUT_SECONDS", 0, 300),
  CLAUDEGATE_SHUTDOWN_GRACE_SECONDS: int("CLAUDEGATE_SHUTDOWN_GRACE_SECONDS", 0, 10, 3600),
  CLAUDEGATE_LIMIT_BACKOFF_SECONDS: int("CLAUDEGATE_LIMIT_BACKOFF_SECONDS", 1, 300, 7 * 24 * 3600),
  CLAUDEGATE_SSE_HEARTBEAT_SECONDS: int("CLAUDEGATE_SSE_HEARTBEAT_SECONDS", 1, 15, 3600),
  CLAUDEGATE_MAX_STREAMS: int("CLAUDEGATE_MAX_STREAMS", 1, 10_000),
  CLAUDEGATE_MAX_STREAMS_PER_KEY: int("CLAUDEGATE_MAX_STREAMS_PER_KEY", 1, 1000),
  CLAUDEGATE_STREAM_SECRET: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.length >= 32, "CLAUDEGATE_STREAM_SECRET must be at least 32 characters"),
  CLAUDEGATE_STREAM_TOKEN_TTL_SECONDS: int("CLAUDEGATE_STREAM_TOKEN_TTL_SECONDS", 1, 3600, 30 * 24 * 3600),
  CLAUDEGATE_COMPAT_CANCEL_ON_DISCONNECT: flag,
  CLAUDEGATE_LOG_LEVEL: z
    .string()
    .default("info")
    .transform((v) => v.trim().toLowerCase())
    .refine((v): v is (typeof LOG_LEVELS)[number] => (LOG_LEVELS as readonly string[]).includes(v), {
      error: (issue) => `CLAUDEGATE_LOG_LEVEL "${String(issue.input)}" must be one of: ${LOG_LEVELS.join(", ")}`,
    })
    .transform((v) => v as (typeof LOG_LEVELS)[number]),
  CLAUDEGATE_METRICS_ADDR: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      try {
        return parseMetricsAddr(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `CLAUDEGATE_METRICS_ADDR "${v}" ${(err as Error).message}` });
        return z.NEVER;
      }
    }),
  // JSON, checked in loadConfig with the key policy's own schema (which imports MODELS from here).
  CLAUDEGATE_TENANT_DEFAULT_POLICY: z.string().optional(),
  CLAUDEGATE_SANDBOX: z
    .string()
    .default("auto")
    .refine((v): v is SandboxSetting => (SANDBOX_SETTINGS as readonly string[]).includes(v), {
      error: (issue) => `CLAUDEGATE_SANDBOX "${String(issue.input)}" must be one of: ${SANDBOX_SETTINGS.join(", ")}`,
    })
    .transform((v) => v as SandboxSetting),
  // System accounts live below 1000; the range (one uid per concurrent run) must stay clear of them.
  CLAUDEGATE_SANDBOX_UID: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const n = Number(v.trim());
      if (!/^\d+$/.test(v.trim()) || n < 1000 || n > 4_000_000_000) {
        ctx.addIssue({ code: "custom", message: `CLAUDEGATE_SANDBOX_UID "${v}" must be a uid between 1000 and 4000000000` });
        return z.NEVER;
      }
      return n;
    }),
}).superRefine((env, ctx) => {
  // Else every job that names no model would be refused: a misconfiguration to stop on, not to serve with.
  if (env.CLAUDEGATE_ALLOWED_MODELS.length > 0 && !env.CLAUDEGATE_ALLOWED_MODELS.includes(env.CLAUDEGATE_DEFAULT_MODEL)) {
    ctx.addIssue({
      code: "custom",
      path: ["CLAUDEGATE_DEFAULT_MODEL"],
      message: `CLAUDEGATE_DEFAULT_MODEL "${env.CLAUDEGATE_DEFAULT_MODEL}" must be one of CLAUDEGATE_ALLOWED_MODELS (${env.CLAUDEGATE_ALLOWED_MODELS.join(",")})`,
    });
  }
  if (env.CLAUDEGATE_SANDBOX === "user" && env.CLAUDEGATE_SANDBOX_UID === undefined) {
    ctx.addIssue({ code: "custom", path: ["CLAUDEGATE_SANDBOX_UID"], message: "CLAUDEGATE_SANDBOX=user needs CLAUDEGATE_SANDBOX_UID (the first uid its runs use)" });
  }
  if (env.CLAUDEGATE_JOB_TTL_HOURS > 0 && env.CLAUDEGATE_CLEANUP_INTERVAL_MINUTES < 1) {
    ctx.addIssue({
      code: "custom",
      path: ["CLAUDEGATE_CLEANUP_INTERVAL_MINUTES"],
      message: "CLAUDEGATE_CLEANUP_INTERVAL_MINUTES must be >= 1 when job TTL is enabled",
    });
  }
});

export type ParsedEnv = z.output<typeof envSchema>;
