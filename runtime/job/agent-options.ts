// Agent options of a job: how its CLI run is bounded and equipped. Their shapes are checked by the submit
// schema; whether the operator (and the tenant key's policy) allows each is checked here, with a 400 message
// naming the field. They are stored with the job (JSON) and turned into CLI flags by runtime/cli/argv.ts.
import { z } from "zod";
import { modelField } from "../config/schema";
import { EFFORTS, PERMISSION_MODES } from "../cli/cli-options";

const NAME = /^[A-Za-z0-9_.:-]{1,100}$/;
const noNul = (s: string) => !s.includes("\u0000");
const names = (field: string, what: string) =>
  z
    .array(z.string({ error: `${field} must be an array of ${what} names` }).regex(NAME, `${field} must hold ${what} names (letters, digits, _ . : -)`), {
      error: `${field} must be an array of ${what} names`,
    })
    .max(100, `${field} must list at most 100 names`)
    .transform((v) => [...new Set(v)]);

/** The submit body's agent option fields (merged into the submit schema). */
export const agentOptionsShape = {
  max_turns: z
    .number({ error: "max_turns must be a positive integer" })
    .int("max_turns must be a positive integer")
    .min(1, "max_turns must be a positive integer")
    .max(1000, "max_turns must be at most 1000")
    .optional(),
  max_budget_usd: z
    .number({ error: "max_budget_usd must be a positive number" })
    .positive("max_budget_usd must be a positive number")
    .max(10_000, "max_budget_usd must be at most 10000")
    .optional(),
  fallback_model: modelField("fallback_model").optional(),
  effort: z.enum(EFFORTS, { error: `effort must be one of: ${EFFORTS.join(", ")}` }).optional(),
  append_system_prompt: z
    .string({ error: "append_system_prompt must be a string" })
    .refine(noNul, "append_system_prompt must not contain NUL characters (\\u0000)")
    .optional(),
  tools: names("tools", "tool").optional(),
  permission_mode: z.enum(PERMISSION_MODES, { error: `permission_mode must be one of: ${PERMISSION_MODES.join(", ")}` }).optional(),
  mcp_servers: names("mcp_servers", "MCP server").optional(),
};

export const AGENT_OPTION_FIELDS = Object.keys(agentOptionsShape) as (keyof typeof agentOptionsShape)[];

export type AgentOptions = { [K in keyof typeof agentOptionsShape]?: z.output<(typeof agentOptionsShape)[K]> };

/** The options present in a parsed submit body; undefined when it has none. */
export function agentOptionsOf(body: AgentOptions): AgentOptions | undefined {
  const o: Record<string, unknown> = {};
  for (const f of AGENT_OPTION_FIELDS) if (body[f] !== undefined) o[f] = body[f];
  return Object.keys(o).length ? (o as AgentOptions) : undefined;
}

export interface OptionsPolicy {
  /** CLAUDEGATE_ALLOWED_TOOLS. */
  allowedTools: readonly string[];
  /** CLAUDEGATE_ALLOWED_PERMISSION_MODES. */
  allowedPermissionModes: readonly string[];
  /** Names of the servers in CLAUDEGATE_MCP_CONFIG. */
  mcpServers: readonly string[];
  /** The tenant key's policy.tools and policy.models (absent: no restriction of the key's own). */
  keyTools?: readonly string[];
  keyModels?: readonly string[];
  /** CLAUDEGATE_ALLOWED_MODELS (empty: any). */
  allowedModels: readonly string[];
}

/** Why the operator's policy refuses one of the options (a 400 naming the field); undefined when all are allowed. */
export function optionsPolicyError(o: AgentOptions, p: OptionsPolicy): string | undefined {
  for (const t of o.tools ?? []) {
    if (!p.allowedTools.includes(t)) return `tools: "${t}" is not allowed (CLAUDEGATE_ALLOWED_TOOLS: ${p.allowedTools.join(",") || "none"})`;
    if (p.keyTools && !p.keyTools.includes(t)) return `tools: "${t}" is not allowed for this key (policy.tools: ${p.keyTools.join(",") || "none"})`;
  }
  if (o.permission_mode !== undefined && !p.allowedPermissionModes.includes(o.permission_mode)) {
    return `permission_mode "${o.permission_mode}" is not allowed (CLAUDEGATE_ALLOWED_PERMISSION_MODES: ${p.allowedPermissionModes.join(",") || "none"})`;
  }
  for (const s of o.mcp_servers ?? []) {
    if (!p.mcpServers.includes(s)) return `mcp_servers: "${s}" is not a server of CLAUDEGATE_MCP_CONFIG`;
  }
  if (o.fallback_model !== undefined && p.allowedModels.length && !p.allowedModels.includes(o.fallback_model)) {
    return `fallback_model "${o.fallback_model}" is not allowed (CLAUDEGATE_ALLOWED_MODELS: ${p.allowedModels.join(",")})`;
  }
  if (o.fallback_model !== undefined && p.keyModels && !p.keyModels.includes(o.fallback_model)) {
    return `fallback_model "${o.fallback_model}" is not allowed for this key (policy.models: ${p.keyModels.join(", ")})`;
  }
  return undefined;
}

/**
 * The tools the run gets: the job's own list (already checked to be allowed), else the operator's, narrowed to
 * the key's policy.tools when it has one.
 */
export function effectiveTools(o: AgentOptions | undefined, allowedTools: readonly string[], keyTools?: readonly string[]): string[] {
  if (o?.tools) return o.tools;
  return keyTools ? allowedTools.filter((t) => keyTools.includes(t)) : [...allowedTools];
}
