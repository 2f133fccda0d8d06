// claudegate.service: hardened to an exposure of 4.0 or less by systemd's own rating, in a form the CLI sandbox still
// works under. systemd-analyze (Debian's `systemd` package) rates a unit file without systemd running as init.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bwrapArgs } from "../../runtime/sandbox/wrap";
import { hostLayout } from "../../runtime/sandbox/layout";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { REAL_CLI, ROOT } from "../support/gateway-process";

const UNIT = join(ROOT, "claudegate.service");
const ANALYZE = "/usr/bin/systemd-analyze";
const unit = readFileSync(UNIT, "utf8");
const setting = (name: string) => [...unit.matchAll(new RegExp(`^${name}=(.*)$`, "gm"))].map((m) => m[1]!.trim());

describe("claudegate.service", () => {
  it("rates 4.0 or less in `systemd-analyze --offline=true security`", (ctx) => {
    if (!existsSync(ANALYZE)) {
      if (process.env.CI === "true") throw new Error(`${ANALYZE} missing: .ci/run installs Debian's systemd package`);
      return ctx.skip(`${ANALYZE} missing (apt-get install systemd)`);
    }
    const out = execFileSync(ANALYZE, ["--offline=true", "--no-pager", "security", UNIT], { encoding: "utf8" });
    const level = Number(/Overall exposure level for claudegate\.service: ([\d.]+)/.exec(out)?.[1]);
    expect(level, out).toBeLessThanOrEqual(4.0);
  });

  it("leaves out the settings that mask parts of /proc, under which bwrap cannot mount the sandbox's /proc", () => {
    // Measured: a read-only bind over /proc/sys (ProtectKernelTunables), a mask over /proc/kmsg (ProtectKernelLogs)
    // and a subset=pid /proc (ProcSubset) each made an unprivileged `bwrap --proc /proc` fail with EPERM.
    for (const name of ["ProtectKernelTunables", "ProtectKernelLogs", "ProcSubset"]) expect(setting(name), name).toEqual([]);
    expect(setting("NoNewPrivileges")).toEqual(["true"]);
    expect(setting("UMask")).toEqual(["0077"]);
  });

  it("lets bwrap create the namespaces it uses and make its mounts, and nothing runs with capabilities", () => {
    const allowed = new Set(setting("RestrictNamespaces").join(" ").split(/\s+/));
    const unshared = bwrapArgs({ roBinds: [], symlinks: [] }, "/tmp/x")
      .filter((a) => a.startsWith("--unshare-"))
      .map((a) => a.slice("--unshare-".length).replace(/-try$/, ""));
    // An unprivileged bwrap always creates a user and a mount namespace.
    for (const ns of ["user", "mnt", ...unshared]) expect(allowed.has(ns), `RestrictNamespaces= must allow ${ns}`).toBe(true);
    expect(allowed.has("net"), "the run keeps the host's network; the service needs no network namespace").toBe(false);
    expect(setting("SystemCallFilter").join(" ")).toMatch(/@mount/);
    expect(setting("CapabilityBoundingSet")).toEqual([""]);
    expect(setting("RestrictAddressFamilies")).toEqual(["AF_UNIX AF_INET AF_INET6"]);
  });

  it("gives the data folder (the database, secret files, the CLI's HOME) its own writable, private state directory", () => {
    expect(setting("ProtectSystem")).toEqual(["strict"]);
    expect(setting("StateDirectory")).toEqual(["claudegate"]);
    expect(setting("StateDirectoryMode")).toEqual(["0700"]);
    expect(setting("Environment")).toEqual(expect.arrayContaining(["HOME=/var/lib/claudegate", "CLAUDEGATE_DB_PATH=/var/lib/claudegate/claudegate.db"]));
  });
});

describe("the real CLI in bwrap under the unit's mounts (rebuilt by test/support/systemd-mounts.sh)", () => {
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("completes a prompt as an unprivileged user with no new privileges", async (ctx) => {
    if (process.getuid?.() !== 0) return ctx.skip("needs root to rebuild the unit's mounts");
    for (const [name, value] of [["ProtectSystem", "strict"], ["ProtectHome", "true"], ["PrivateTmp", "true"], ["ProtectProc", "invisible"], ["PrivateDevices", "true"]]) {
      expect(setting(name!), `the script models ${name}=${value}`).toEqual([value]);
    }
    const layout = hostLayout({ cliPath: REAL_CLI, privateDirs: [], env: {} });
    const cli = [REAL_CLI, "-p", "--verbose", "--output-format", "stream-json", "--model", "haiku", "--tools", "", "--no-session-persistence"];
    const args = ["-m", "--propagation", "private", join(ROOT, "test/support/systemd-mounts.sh"), "/usr/bin/bwrap", ...bwrapArgs(layout, "/tmp/run"), "--", ...cli];
    // Asynchronous: the fake Messages API answers from this process.
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn("/usr/bin/unshare", args, {
        env: { PATH: "/usr/bin:/bin", HOME: "/tmp/run", ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: "sk-test", CG_KEEP: ROOT },
      });
      let stdout = "", stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d));
      child.stderr.on("data", (d: Buffer) => (stderr += d));
      child.stdin.end("[[reply:hardened]] under the unit");
      child.on("close", (code: number | null) => resolve({ code, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(result).toMatchObject({ type: "result", is_error: false, result: "hardened" });
  });
});

