// The command line that starts one CLI run inside its sandbox. Pure: the worker (workers/cli-task.ts) spawns
// what this returns, and the start-up probe runs `true` through the same bwrap arguments.
//
// Every mode starts with `setpriv --pdeathsig KILL` (when setpriv exists): the kernel kills the run if the
// gateway dies without a chance to do it. The worker spawns the result detached, in its own process group,
// which is what it signals; nothing here calls setsid, so bwrap and the CLI stay in that group.
import type { RunDirs } from "../cli/run-dirs";
import type { RunSandbox, SandboxLayout } from "./modes";

export interface CliCommand {
  command: string;
  argv: string[];
}

export interface Wrapped {
  file: string;
  args: string[];
  /** The run waits at fd HANDSHAKE_FD for the gateway's go (see HANDSHAKE). */
  handshake: boolean;
}

/**
 * bwrap arms `--die-with-parent` only after it has forked, so a gateway killed in the first milliseconds of a run
 * (measured: 0-3 ms after the spawn) left the sandbox running. Closed with a handshake: inside the sandbox, once
 * every parent-death signal is armed, a shell writes one byte on fd 3 (a socket the worker holds) and waits for a
 * line back before it execs the CLI. A gateway that dies before answering closes the socket; the shell reads
 * end-of-file and exits, and the sandbox with it. One that dies after answering is covered by pdeathsig.
 */
export const HANDSHAKE_FD = 3;
const HANDSHAKE = `printf . >&${HANDSHAKE_FD} && read -r go <&${HANDSHAKE_FD} && exec ${HANDSHAKE_FD}<&- && exec "$@"`;

export const SETPRIV = "/usr/bin/setpriv";
export const BWRAP = "/usr/bin/bwrap";

export interface WrapOptions {
  /** `setpriv` missing only matters for `off` (no pdeathsig then); the probe refuses `bwrap` and `user` without it. */
  hasSetpriv?: boolean;
  /** bwrap mode: start through the handshake (runs); the start-up probe, which cannot answer it, goes without. */
  handshake?: boolean;
  /** bwrap mode: the working directory inside the run's folder (default: the folder itself). */
  cwd?: string;
}

export function wrapCommand(sandbox: RunSandbox, cli: CliCommand, runDir: string, o: WrapOptions = {}): Wrapped {
  const deathSig = ["--pdeathsig", "KILL"];
  switch (sandbox.mode) {
    case "off":
      return o.hasSetpriv === false
        ? { file: cli.command, args: cli.argv, handshake: false }
        : { file: SETPRIV, args: [...deathSig, "--", cli.command, ...cli.argv], handshake: false };
    case "user": {
      const id = String(sandbox.uid);
      // --clear-groups drops the gateway's supplementary groups; switching away from uid 0 drops every capability.
      const args = [...deathSig, "--reuid", id, "--regid", id, "--clear-groups", "--", cli.command, ...cli.argv];
      return { file: SETPRIV, args, handshake: false };
    }
    case "bwrap": {
      const handshake = o.handshake !== false;
      const run = handshake ? ["/bin/sh", "-c", HANDSHAKE, "sh", cli.command, ...cli.argv] : [cli.command, ...cli.argv];
      return { file: SETPRIV, args: [...deathSig, "--", BWRAP, ...bwrapArgs(sandbox.layout, runDir, o.cwd), "--", ...run], handshake };
    }
  }
}

/**
 * bwrap's options for a run whose only writable place is `runDir` (its HOME; `cwd`, its working directory, lies in it).
 * - `--unshare-pid` + a fresh `/proc`: the gateway and other runs are not visible, so neither their environment
 *   (the gateway's holds CLAUDEGATE_API_KEYS) nor a signal can reach them.
 * - Only `layout` is visible, read-only: no data folder, `.env`, secret files or other runs' folders (they sit
 *   next to this one under the same TMPDIR; only this run's folder is bound).
 * - A private `/tmp` (tmpfs), a minimal `/dev`.
 * - `--die-with-parent`: bwrap's child gets PDEATHSIG too, on top of setpriv's on bwrap itself; when the
 *   namespace's init dies the kernel kills everything left in the namespace (tool shells included).
 * - The network is shared on purpose: the CLI must reach the Messages API and the operator's proxies.
 * - No `--new-session`: it would take the CLI out of the process group the worker signals. The run has no
 *   controlling terminal (the worker spawns it detached, i.e. in a new session), so TIOCSTI has nothing to hit.
 * Run as root, bwrap drops every capability of the sandboxed process; run as any other user it sets up a user
 * namespace itself.
 */
export function bwrapArgs(layout: SandboxLayout, runDir: string, cwd = runDir): string[] {
  // Only the namespaces claudegate.service's RestrictNamespaces= allows (user, pid, mnt, ipc): no uts or cgroup.
  const args = ["--die-with-parent", "--unshare-pid", "--unshare-ipc"];
  for (const { target, link } of layout.symlinks) args.push("--symlink", target, link);
  // The private /tmp first: what is bound next shows over it, so a CLI installed under /tmp (a checkout there)
  // stays visible.
  args.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");
  for (const path of layout.roBinds) args.push("--ro-bind", path, path);
  // Last, so that it shows even when it lies under /tmp (the usual TMPDIR) or under a read-only bind.
  args.push("--bind", runDir, runDir, "--chdir", cwd);
  return args;
}

/**
 * The CLI's environment for a run: CLAUDE_CONFIG_DIR is the run's own configuration folder in every mode (an
 * operator's CLAUDE_CONFIG_DIR, which runs would share, is replaced), and TMPDIR the run's tmp/ folder, except in
 * bwrap, which has a private /tmp. In a sandbox HOME is the run's folder too, so nothing of the gateway user's home
 * is used (and in user mode the run's uid could not write it).
 */
export function sandboxEnv(sandbox: RunSandbox, env: Record<string, string>, dirs: RunDirs): Record<string, string> {
  const run = { ...env, CLAUDE_CONFIG_DIR: dirs.config };
  if (sandbox.mode === "off") return { ...run, TMPDIR: dirs.tmp };
  return { ...run, HOME: dirs.root, TMPDIR: sandbox.mode === "bwrap" ? "/tmp" : dirs.tmp };
}
