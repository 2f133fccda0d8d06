// Which jobs a warm CLI process can serve. A warm process is a cold run prepared from a RunSpec minus its prompt, so
// a job may take it only when everything else the run is made of is the same: the key is a hash of the RunSpec's
// parts that shape the process (command, argv: model, tools, agent options, json schema; the environment but its
// run marker; the composed system prompt, append_system_prompt, MCP config; the operator's configuration folder).
// The sandbox mode is the gateway's, the same for every run. A resumed session or a fork (its transcript is put in
// place before the CLI starts) and a run with workspace files start cold.
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import type { RunSpec } from "../queue/run-protocol";
import { JOB_MARKER_VAR } from "./env";

/**
 * The start of the run marker (CG_JOB_ID) of this database's warm processes: `warm-<database tag>-`, so a gateway's
 * crash reaper ends its own predecessor's warm processes (one gateway per database file) and never those of
 * another gateway on the same machine.
 */
export function warmMarkerPrefix(dbPath: string): string {
  return `warm-${createHash("sha256").update(resolve(dbPath)).digest("hex").slice(0, 12)}-`;
}

export function warmKey(spec: RunSpec): string | undefined {
  if (spec.resume || spec.workspace.files.length > 0) return undefined;
  const { [JOB_MARKER_VAR]: _marker, ...env } = spec.env;
  const parts = [spec.command, spec.argv, env, spec.systemPrompt, spec.appendSystemPrompt ?? null, spec.mcpConfig ?? null, spec.operatorConfigDir];
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** The spec a warm task prepares and spawns from: the job's, with stream-json input and a warm marker. */
export function warmTemplate(spec: RunSpec, warmId: string): RunSpec {
  return {
    ...spec,
    jobId: warmId,
    argv: [...spec.argv, "--input-format", "stream-json"],
    env: { ...spec.env, [JOB_MARKER_VAR]: warmId },
    stdin: "",
    workspace: { ...spec.workspace, files: [] },
  };
}
