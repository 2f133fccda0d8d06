// What the main thread and a worker thread say to each other about one CLI run, over a MessagePort.
import type { Finish, LimitHit } from "../job/run-outcome";
import type { FileData, WorkspaceLimits } from "../workspace/workspace-store";

export interface RunSpec {
  jobId: string;
  command: string;
  argv: string[];
  env: Record<string, string>;
  /** The prompt: written to the CLI's stdin, which is then closed. */
  stdin: string;
  /** The composed system prompt ("" = the CLI's default): written to a 0600 file the CLI reads. */
  systemPrompt: string;
  /** 0 = no limit. */
  timeoutMs: number;
  /** Text of the timeout error, e.g. "job timed out after 30m". */
  timeoutError: string;
  /** Kill a CLI that writes nothing on stdout for this long (0 = never). */
  stallMs: number;
  maxResultBytes: number;
  json: boolean;
  /** The run has a `--json-schema`: its answer is the result line's structured_output. */
  structured: boolean;
  /** How long a CLI may linger after its result line, and a TERM'd one may take before KILL. */
  lingerMs: number;
  termGraceMs: number;
  /** The job's append_system_prompt: written to a 0600 file the CLI reads. */
  appendSystemPrompt?: string;
  /** JSON of the run's --mcp-config (only the servers the job named). */
  mcpConfig?: string;
  /** The session's workspace files, written into the run's workspace (the CLI's cwd), and the limits of reading it back. */
  workspace: { files: FileData[]; limits: WorkspaceLimits };
  /** The operator's Claude configuration folder: its credentials are lent to the run and taken back renewed. */
  operatorConfigDir: string;
  /** The session's stored transcript, put back in place so the CLI resumes it (`--resume`); absent on a first turn. */
  resume?: { cliSessionId: string; transcript: Uint8Array };
}

/** Worker → main. `end` is always the last message: the CLI and its process group are gone. */
export type WorkerMessage =
  | { t: "spawned"; pid: number }
  | { t: "chunk"; text: string }
  | { t: "tool_use"; name: string; id: string; input: string }
  | { t: "tool_result"; id: string; output: string; isError: boolean }
  | { t: "retry"; attempt: number; maxRetries: number; delayMs: number; errorStatus: number | null }
  | { t: "outcome"; finish: Finish }
  | { t: "limited"; limit: LimitHit }
  | { t: "interrupted" }
  /** After the CLI exited, before `transcript`: the files its workspace holds now. */
  | { t: "workspace"; files: FileData[] }
  /** After the CLI exited, before `end`: the transcript it left for the session's next turn. */
  | { t: "transcript"; cliSessionId: string; data: Uint8Array }
  /** `lingeredMs`: how long the CLI stayed alive after its result line, when it printed one. */
  | { t: "end"; lingeredMs?: number };

/**
 * A warm task (workers/warm-task.ts) → main, while its CLI waits for a prompt: `warm_ready` once spawned, `warm_stale`
 * when it printed or exited before its prompt (main then retires it). Once taken, its port carries WorkerMessages.
 */
export type WarmMessage = { t: "warm_ready"; pid: number } | { t: "warm_stale"; why: string };

/** Main → worker. `take` and `retire` go to a waiting warm task: run this job's spec, or end. */
export type MainMessage = { t: "cancel" } | { t: "shutdown" } | { t: "take"; spec: RunSpec } | { t: "retire" };

/** The stream-json user message a warm CLI (`--input-format stream-json`) reads as its prompt; stdin is then closed. */
export function streamJsonPrompt(prompt: string): string {
  return JSON.stringify({ type: "user", message: { role: "user", content: [{ type: "text", text: prompt }] } }) + "\n";
}
