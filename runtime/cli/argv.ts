// The CLI's arguments. Neither the prompt nor the system prompt is among them: the prompt goes to stdin and the
// system prompt to a file (no 128 KiB single-argument limit of Linux, no NUL byte that makes spawn throw, and a
// prompt such as "--help" stays text). The CLI 2.1.197 read a 64 MiB system prompt from a file.
import type { Model } from "../config/schema";
import type { AgentOptions } from "../job/agent-options";

export interface ArgvOptions {
  model: Model;
  allowedTools: string[];
  skipPermissions: boolean;
  /** JSON Schema text for structured output: the CLI adds a StructuredOutput tool (even with `--tools ""`). */
  jsonSchema?: string;
  /** The CLI's id of the session's transcript to continue; `fork` branches it under a new id. */
  resume?: { cliSessionId: string; fork: boolean };
  /** The job's agent options (tools and the files of append_system_prompt and MCP are handled apart). */
  options?: AgentOptions;
}

export function buildArgv(o: ArgvOptions): string[] {
  const argv = ["-p", "--verbose", "--output-format", "stream-json", "--include-partial-messages", "--model", o.model];
  // `--tools ""` starts the CLI with no tools at all; an operator opts in to specific ones, which are then also
  // pre-approved (print mode has nobody to answer a permission prompt).
  argv.push("--tools", o.allowedTools.join(","));
  if (o.allowedTools.length) argv.push("--allowedTools", o.allowedTools.join(","));
  // Every job is a turn of a session: the CLI writes its transcript into the run's own configuration folder,
  // from where the worker stores it for the next turn (so no --no-session-persistence).
  if (o.resume) {
    argv.push("--resume", o.resume.cliSessionId);
    if (o.resume.fork) argv.push("--fork-session");
  }
  if (o.jsonSchema !== undefined) argv.push("--json-schema", o.jsonSchema);
  const a = o.options ?? {};
  if (a.max_turns !== undefined) argv.push("--max-turns", String(a.max_turns));
  if (a.max_budget_usd !== undefined) argv.push("--max-budget-usd", String(a.max_budget_usd));
  if (a.fallback_model !== undefined) argv.push("--fallback-model", a.fallback_model);
  if (a.effort !== undefined) argv.push("--effort", a.effort);
  if (a.permission_mode !== undefined) argv.push("--permission-mode", a.permission_mode);
  if (o.skipPermissions) argv.push("--dangerously-skip-permissions");
  return argv;
}

/** The file the worker writes the run's system prompt to, inside the run's private temporary directory. */
export const SYSTEM_PROMPT_FILE = "system-prompt.txt";

/** The argv with the system prompt read from `file` (`--system-prompt-file` replaces the default, as `--system-prompt`). */
export function withSystemPromptFile(argv: string[], file: string): string[] {
  return [...argv, "--system-prompt-file", file];
}

/** The job's append_system_prompt, from a file as the system prompt (it appends to whatever the system prompt is). */
export const APPEND_SYSTEM_PROMPT_FILE = "append-system-prompt.txt";
export const withAppendSystemPromptFile = (argv: string[], file: string): string[] => [...argv, "--append-system-prompt-file", file];

/**
 * The run's MCP servers: a file of the CLI's mcp-config format holding only the servers the job named, and
 * `--strict-mcp-config` so no other configuration adds any.
 */
export const MCP_CONFIG_FILE = "mcp.json";
export const withMcpConfigFile = (argv: string[], file: string): string[] => [...argv, "--mcp-config", file, "--strict-mcp-config"];

/** The mcp-config JSON of the named servers, from the operator's definitions; undefined when none is named. */
export function mcpConfigFor(names: readonly string[] | undefined, servers: Record<string, unknown>): string | undefined {
  if (!names?.length) return undefined;
  return JSON.stringify({ mcpServers: Object.fromEntries(names.filter((n) => Object.hasOwn(servers, n)).map((n) => [n, servers[n]])) });
}
