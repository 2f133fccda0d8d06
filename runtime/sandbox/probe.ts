// Start-up check: which sandbox works on this host. Each candidate is tried for real, the way runs use it (a
// `true` through the same setpriv/bwrap command line), because what decides it (user namespaces allowed,
// seccomp, /proc masked by a container runtime, capabilities) cannot be read off reliably. `auto` takes the
// strongest that works; an explicitly configured mode that does not work stops the gateway.
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SANDBOX_MODES_BY_STRENGTH, type Sandbox, type SandboxLayout, type SandboxMode, type SandboxSetting } from "./modes";
import { BWRAP, SETPRIV, wrapCommand } from "./wrap";

export interface ProbeInputs {
  setting: SandboxSetting;
  /** First uid of user mode's range (CLAUDEGATE_SANDBOX_UID), if configured. */
  uidBase?: number;
  /** How many runs can be live at once: user mode needs one uid each. */
  slots: number;
  layout: SandboxLayout;
}

export interface SandboxChoice {
  sandbox: Sandbox;
  /** Why this mode: shown in the start-up log line and in health. */
  reason: string;
}

export class SandboxUnavailableError extends Error {}

const CAP_KILL = 5n;

/** Undefined when `mode` works here; otherwise why not. Replaceable in unit tests of the choice itself. */
export type ModeProbe = (mode: Exclude<SandboxMode, "off">, p: ProbeInputs) => string | undefined;

export function chooseSandbox(p: ProbeInputs, tryMode: ModeProbe = probeMode): SandboxChoice {
  if (p.setting === "off") return { sandbox: { mode: "off" }, reason: "CLAUDEGATE_SANDBOX=off" };
  if (p.setting !== "auto") {
    const failure = tryMode(p.setting, p);
    if (failure) throw new SandboxUnavailableError(`CLAUDEGATE_SANDBOX=${p.setting} does not work here: ${failure}`);
    return { sandbox: sandboxFor(p.setting, p), reason: `CLAUDEGATE_SANDBOX=${p.setting}, probe passed` };
  }
  const failures: string[] = [];
  for (const mode of SANDBOX_MODES_BY_STRENGTH) {
    if (mode === "off") break;
    const failure = tryMode(mode, p);
    if (!failure) {
      const before = failures.length ? ` (${failures.join("; ")})` : "";
      return { sandbox: sandboxFor(mode, p), reason: `auto: ${mode} probe passed${before}` };
    }
    failures.push(`${mode}: ${failure}`);
  }
  return { sandbox: { mode: "off" }, reason: `auto: no sandbox works here (${failures.join("; ")})` };
}

function sandboxFor(mode: Exclude<SandboxMode, "off">, p: ProbeInputs): Sandbox {
  return mode === "bwrap" ? { mode, layout: p.layout } : { mode, uidBase: p.uidBase!, slots: p.slots };
}

/** The real probe: runs a command through the mode's wrapper, as a run would. */
function probeMode(mode: Exclude<SandboxMode, "off">, p: ProbeInputs): string | undefined {
  if (!existsSync(SETPRIV)) return `${SETPRIV} not found (util-linux)`;
  if (mode === "bwrap") {
    if (!existsSync(BWRAP)) return `${BWRAP} not found (install bubblewrap)`;
    return inProbeDir(undefined, (dir) => runProbe(wrapCommand({ mode, layout: p.layout }, writable(dir), dir, { handshake: false })));
  }
  if (p.uidBase === undefined) return "CLAUDEGATE_SANDBOX_UID is not set";
  const own = process.getuid?.() ?? -1;
  if (own >= p.uidBase && own < p.uidBase + p.slots) {
    return `the gateway's own uid ${own} is in CLAUDEGATE_SANDBOX_UID's range ${p.uidBase}-${p.uidBase + p.slots - 1}`;
  }
  // Switching uid needs CAP_SETUID/CAP_SETGID (the probe below finds out); signalling the runs then needs CAP_KILL.
  if (!hasCapability(CAP_KILL)) return "the gateway lacks CAP_KILL (run it as root, or grant CAP_SETUID, CAP_SETGID and CAP_KILL)";
  const uid = p.uidBase;
  return inProbeDir(uid, (dir) => runProbe(wrapCommand({ mode, uid }, writable(dir), dir)));
}

/**
 * The probe's command: the run's folder (made as a run's is, under TMPDIR) must be writable from inside, by way of
 * /bin/sh, which a bwrap run's start handshake needs.
 */
function writable(dir: string) {
  return { command: "/bin/sh", argv: ["-c", 'test -w "$1"', "sh", dir] };
}

function inProbeDir(owner: number | undefined, probe: (dir: string) => string | undefined): string | undefined {
  let dir: string | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), "claudegate-probe-"));
    if (owner !== undefined) chownSync(dir, owner, owner);
    return probe(dir);
  } catch (err) {
    return `cannot make a run's folder: ${(err as Error).message}`;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

function runProbe(cmd: { file: string; args: string[] }): string | undefined {
  const r = spawnSync(cmd.file, cmd.args, { cwd: "/", env: { PATH: "/usr/bin:/bin" }, timeout: 10_000, encoding: "utf8" });
  if (r.error) return r.error.message;
  if (r.status === 0) return undefined;
  const line = (r.stderr ?? "").trim().split("\n").at(-1);
  return line || `exit ${r.status ?? r.signal}`;
}

/** Whether this process's effective capability set holds `cap` (Linux; elsewhere: only root is assumed to). */
function hasCapability(cap: bigint): boolean {
  try {
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    if (hex) return ((BigInt(`0x${hex}`) >> cap) & 1n) === 1n;
  } catch {
    /* no /proc */
  }
  return process.getuid?.() === 0;
}
