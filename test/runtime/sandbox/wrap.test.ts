// The sandbox's command line and environment, as pure functions: what each mode wraps the CLI in.
import { describe, expect, it } from "vitest";
import type { SandboxLayout } from "../../../runtime/sandbox/modes";
import { bwrapArgs, sandboxEnv, wrapCommand } from "../../../runtime/sandbox/wrap";
import { runDirs } from "../../../runtime/cli/run-dirs";

const layout: SandboxLayout = {
  roBinds: ["/usr", "/etc/ssl", "/opt/claude-code"],
  symlinks: [{ target: "usr/lib", link: "/lib" }],
};
const cli = { command: "/opt/claude-code/bin/claude.exe", argv: ["-p", "--model", "haiku"] };
const runDir = "/tmp/claudegate-job-abc123";

/** The values that follow each occurrence of `flag` (flags taking one or two values). */
function after(args: string[], flag: string, n = 1): string[][] {
  return args.flatMap((a, i) => (a === flag ? [args.slice(i + 1, i + 1 + n)] : []));
}

describe("wrapCommand", () => {
  it("off: setpriv --pdeathsig only, as before the sandbox; the bare CLI where setpriv is missing", () => {
    expect(wrapCommand({ mode: "off" }, cli, runDir)).toEqual({
      file: "/usr/bin/setpriv",
      args: ["--pdeathsig", "KILL", "--", cli.command, ...cli.argv],
      handshake: false,
    });
    expect(wrapCommand({ mode: "off" }, cli, runDir, { hasSetpriv: false })).toEqual({ file: cli.command, args: cli.argv, handshake: false });
  });

  it("user: setpriv switches to the run's uid and gid and drops supplementary groups, keeping pdeathsig", () => {
    expect(wrapCommand({ mode: "user", uid: 61003 }, cli, runDir)).toEqual({
      file: "/usr/bin/setpriv",
      args: ["--pdeathsig", "KILL", "--reuid", "61003", "--regid", "61003", "--clear-groups", "--", cli.command, ...cli.argv],
      handshake: false,
    });
  });

  it("bwrap: setpriv --pdeathsig runs bwrap, which runs the CLI after its own `--` (the probe: without the handshake)", () => {
    const { file, args, handshake } = wrapCommand({ mode: "bwrap", layout }, cli, runDir, { handshake: false });
    expect([file, handshake]).toEqual(["/usr/bin/setpriv", false]);
    expect(args.slice(0, 4)).toEqual(["--pdeathsig", "KILL", "--", "/usr/bin/bwrap"]);
    const tail = ["--", cli.command, ...cli.argv];
    expect(args.slice(4, -tail.length)).toEqual(bwrapArgs(layout, runDir));
    expect(args.slice(-tail.length)).toEqual(tail);
  });

  it("bwrap: a run starts the CLI only after the gateway answers on fd 3, and closes fd 3 first", () => {
    const { args, handshake } = wrapCommand({ mode: "bwrap", layout }, cli, runDir);
    expect(handshake).toBe(true);
    const tail = ["--", "/bin/sh", "-c", 'printf . >&3 && read -r go <&3 && exec 3<&- && exec "$@"', "sh", cli.command, ...cli.argv];
    expect(args.slice(-tail.length)).toEqual(tail);
    expect(args.slice(4, -tail.length)).toEqual(bwrapArgs(layout, runDir));
  });
});

describe("bwrapArgs", () => {
  const args = bwrapArgs(layout, runDir);

  it("gives the run its own PID namespace and a fresh /proc, and dies with its parent", () => {
    expect(args).toContain("--unshare-pid");
    expect(after(args, "--proc")).toEqual([["/proc"]]);
    expect(args).toContain("--die-with-parent");
  });

  it("keeps the network (the Messages API, proxies) and the process group (no --new-session)", () => {
    expect(args.filter((a) => a.startsWith("--unshare-net") || a === "--unshare-all" || a === "--new-session")).toEqual([]);
  });

  it("shows the layout read-only, a private /tmp, and only this run's folder writable, as its working directory", () => {
    expect(after(args, "--ro-bind", 2)).toEqual(layout.roBinds.map((p) => [p, p]));
    expect(after(args, "--symlink", 2)).toEqual([["usr/lib", "/lib"]]);
    expect(after(args, "--tmpfs")).toEqual([["/tmp"]]);
    expect(after(args, "--bind", 2)).toEqual([[runDir, runDir]]);
    expect(after(args, "--chdir")).toEqual([[runDir]]);
    // A run's working directory is its workspace/, inside the one bound folder.
    expect(after(bwrapArgs(layout, runDir, `${runDir}/workspace`), "--chdir")).toEqual([[`${runDir}/workspace`]]);
    // The run's folder lies under /tmp: it must be bound after the tmpfs, or the tmpfs would hide it.
    expect(args.lastIndexOf("--bind")).toBeGreaterThan(args.indexOf("--tmpfs"));
  });

  it("binds nothing else writable (no --bind-try, --dev-bind of host paths)", () => {
    expect(args.filter((a) => /^--(bind-try|dev-bind|dev-bind-try)$/.test(a))).toEqual([]);
  });
});

describe("sandboxEnv", () => {
  const env = { PATH: "/usr/bin", HOME: "/home/claudegate", TMPDIR: "/var/tmp", CLAUDE_CONFIG_DIR: "/home/claudegate/.claude", ANTHROPIC_API_KEY: "sk" };
  const dirs = runDirs(runDir);

  it("points CLAUDE_CONFIG_DIR and TMPDIR into the run's folder when off, outside its workspace", () => {
    expect(sandboxEnv({ mode: "off" }, env, dirs)).toEqual({ ...env, CLAUDE_CONFIG_DIR: `${runDir}/config`, TMPDIR: `${runDir}/tmp` });
    expect(dirs.tmp.startsWith(dirs.workspace + "/")).toBe(false);
  });

  it("makes the run's folder HOME, replaces the operator's CLAUDE_CONFIG_DIR with the run's, points TMPDIR at a private place", () => {
    expect(sandboxEnv({ mode: "bwrap", layout }, env, dirs)).toEqual({
      PATH: "/usr/bin",
      HOME: runDir,
      TMPDIR: "/tmp",
      CLAUDE_CONFIG_DIR: `${runDir}/config`,
      ANTHROPIC_API_KEY: "sk",
    });
    expect(sandboxEnv({ mode: "user", uid: 61000 }, env, dirs)).toEqual({
      PATH: "/usr/bin",
      HOME: runDir,
      TMPDIR: `${runDir}/tmp`,
      CLAUDE_CONFIG_DIR: `${runDir}/config`,
      ANTHROPIC_API_KEY: "sk",
    });
  });
});
