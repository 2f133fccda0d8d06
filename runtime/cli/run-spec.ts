// Everything a worker needs to run the CLI for one job, decided on the main thread from the job and config.
import type { Config } from "../config";
import type { Job } from "../job/job";
import type { RunSpec } from "../queue/run-protocol";
import { buildArgv, mcpConfigFor } from "./argv";
import { effectiveTools } from "../job/agent-options";
import { buildCliEnv } from "./env";
import { formatLimit } from "./outcome";
import { composeSystemPrompt } from "./system-prompt";
import type { Transcript } from "../store/session-store";
import type { FileData } from "../workspace/workspace-store";
import { credentialsFile } from "../health/credentials";
import { dirname } from "node:path";

export const LINGER_MS = 2000;
export const TERM_GRACE_MS = 5000;

/** `transcript`: the job's session as stored after its last turn (undefined on a session's first turn). */
export function buildRunSpec(
  job: Job,
  config: Config,
  transcript?: Transcript,
  files: FileData[] = [],
  parentEnv: NodeJS.ProcessEnv = process.env,
): RunSpec {
  const json = job.responseFormat === "json";
  const systemPrompt = composeSystemPrompt({ securityPrompt: config.securityPrompt, json, jobSystemPrompt: job.systemPrompt });
  const timeoutMs = effectiveTimeoutMs(job.timeoutSeconds, config.jobTimeoutMs);
  return {
    jobId: job.id,
    command: config.claudePath,
    argv: buildArgv({
      model: job.model,
      allowedTools: effectiveTools(job.options, config.allowedTools),
      skipPermissions: config.skipPermissions,
      jsonSchema: job.jsonSchema,
      resume: transcript && { cliSessionId: transcript.cliSessionId, fork: job.fork },
      options: job.options,
    }),
    appendSystemPrompt: job.options?.append_system_prompt,
    mcpConfig: mcpConfigFor(job.options?.mcp_servers, config.mcpServers),
    env: buildCliEnv(parentEnv, config.cliEnv, job.id),
    stdin: job.prompt,
    systemPrompt,
    timeoutMs,
    timeoutError: `job timed out after ${formatLimit(timeoutMs)}`,
    stallMs: config.stallTimeoutMs,
    maxResultBytes: config.maxResultBytes,
    json,
    structured: job.jsonSchema !== undefined,
    lingerMs: LINGER_MS,
    termGraceMs: TERM_GRACE_MS,
    workspace: { files, limits: { maxFileBytes: config.workspaceMaxFileBytes, maxBytes: config.workspaceMaxBytes } },
    operatorConfigDir: dirname(credentialsFile(parentEnv)),
    resume: transcript && { cliSessionId: transcript.cliSessionId, transcript: transcript.data },
  };
}

/** The run of a plain job in the default configuration (default model, no options): what is kept warm at start. */
export function defaultRunSpec(config: Config, parentEnv: NodeJS.ProcessEnv = process.env): RunSpec {
  const job = { id: "default", prompt: "", systemPrompt: "", model: config.defaultModel, responseFormat: "", fork: false, sessionId: "" };
  return buildRunSpec(job as unknown as Job, config, undefined, [], parentEnv);
}

/**
 * The job's own limit, but never longer than the operator's (0: none). Submit refuses a longer one already;
 * this also holds for jobs stored before the operator lowered CLAUDEGATE_JOB_TIMEOUT_MINUTES.
 */
export function effectiveTimeoutMs(timeoutSeconds: number | undefined, jobTimeoutMs: number): number {
  if (timeoutSeconds === undefined) return jobTimeoutMs;
  const own = timeoutSeconds * 1000;
  return jobTimeoutMs > 0 ? Math.min(own, jobTimeoutMs) : own;
}
