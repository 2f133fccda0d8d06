// The sandbox decision at start-up: the host's layout, the probe, and the log lines an operator reads.
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Config } from "../config";
import { log } from "../log";
import { hostLayout } from "./layout";
import { chooseSandbox, type SandboxChoice } from "./probe";

export function startSandbox(config: Config, env: NodeJS.ProcessEnv = process.env): SandboxChoice {
  const layout = hostLayout({ cliPath: config.claudePath, privateDirs: [dirname(resolve(config.dbPath)), process.cwd()], env });
  const choice = chooseSandbox({ setting: config.sandbox, uidBase: config.sandboxUid, slots: config.concurrency + config.warmProcesses, layout });
  const { mode } = choice.sandbox;
  const tools = config.allowedTools.join(",");
  if (mode === "off" && (tools || config.sandbox === "auto")) {
    log("warn", "sandbox off: a job's agent runs as the gateway's user and can read its API keys, database and other jobs' files", {
      mode,
      reason: choice.reason,
      ...(tools ? { allowed_tools: tools } : {}),
    });
  } else {
    log("info", "sandbox", { mode, reason: choice.reason });
  }
  if (mode === "user") warnIfReadableByOthers(resolve(".env"));
  return choice;
}

/** User mode hides the gateway's files by their modes alone: a `.env` others can read is readable by every run. */
function warnIfReadableByOthers(file: string): void {
  try {
    if (statSync(file).mode & 0o004) log("warn", "sandbox user: .env is readable by other users, so by the CLI runs too; chmod 600 it", { file });
  } catch {
    /* no .env */
  }
}
