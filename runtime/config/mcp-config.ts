// CLAUDEGATE_MCP_CONFIG: the MCP servers jobs may use, in the CLI's own --mcp-config format
// ({"mcpServers": {"<name>": {"command": ..., "args": [...]} | {"type": "http", "url": ...}}}). Read once at
// start-up; a job names servers, and only those are written to its run's own --mcp-config file. A client never
// supplies a command.
import { readFileSync } from "node:fs";
import { ConfigError } from "./config-error";

const NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

export function loadMcpServers(file: string | undefined): Record<string, Record<string, unknown>> {
  if (file === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? "not valid JSON";
    throw new ConfigError(`CLAUDEGATE_MCP_CONFIG: cannot read ${file} (${why})`);
  }
  const servers = (value as { mcpServers?: unknown } | null)?.mcpServers;
  if (!servers || typeof servers !== "object" || Array.isArray(servers)) {
    throw new ConfigError(`CLAUDEGATE_MCP_CONFIG: ${file} must be a JSON object with an "mcpServers" object`);
  }
  for (const [name, def] of Object.entries(servers)) {
    if (!NAME.test(name)) throw new ConfigError(`CLAUDEGATE_MCP_CONFIG: server name "${name}" must be letters, digits, _ . : -`);
    const d = def as Record<string, unknown> | null;
    if (!d || typeof d !== "object" || Array.isArray(d) || (typeof d.command !== "string" && typeof d.url !== "string")) {
      throw new ConfigError(`CLAUDEGATE_MCP_CONFIG: server "${name}" must be an object with a "command" or a "url"`);
    }
  }
  return servers as Record<string, Record<string, unknown>>;
}
