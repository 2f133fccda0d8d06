// The CLI's arguments. The prompt is never among them: it goes to stdin (no 128 KiB argv limit, and a prompt
// such as "--help" stays text).
import type { Model } from "../config/schema";

export interface ArgvOptions {
  model: Model;
  systemPrompt: string;
  allowedTools: string[];
  skipPermissions: boolean;
  /** JSON Schema text for structured output: the CLI adds a StructuredOutput tool (even with `--tools ""`). */
  jsonSchema?: string;
}

export function buildArgv(o: ArgvOptions): string[] {
  const argv = ["-p", "--verbose", "--output-format", "stream-json", "--include-partial-messages", "--model", o.model];
  if (o.systemPrompt) argv.push("--system-prompt", o.systemPrompt);
  // `--tools ""` starts the CLI with no tools at all; an operator opts in to specific ones, which are then also
  // pre-approved (print mode has nobody to answer a permission prompt).
  argv.push("--tools", o.allowedTools.join(","));
  if (o.allowedTools.length) argv.push("--allowedTools", o.allowedTools.join(","));
  // Each job runs in a fresh temporary directory; saved sessions would pile up under ~/.claude for nothing.
  argv.push("--no-session-persistence");
  if (o.jsonSchema !== undefined) argv.push("--json-schema", o.jsonSchema);
  if (o.skipPermissions) argv.push("--dangerously-skip-permissions");
  return argv;
}
