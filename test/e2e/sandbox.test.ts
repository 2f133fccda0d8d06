// Issue 16: every CLI run starts in a sandbox. A scripted CLI plays an agent with tools trying to reach the gateway
// (its API keys in /proc/<pid>/environ, the database, `.env`, the secret files, another running job's folder, a
// signal to the gateway): in modes bwrap and user every attempt fails; in mode off (the control, proving the probe
// can see a leak) every one succeeds. The real pinned CLI still completes jobs in both modes, and still dies with a
// SIGKILLed gateway.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { API_KEY, FAKE_CLI, GatewayProcess, REAL_CLI, waitUntil } from "../support/gateway-process";
import { cliProcesses } from "../support/processes";

/** User mode needs a gateway allowed to switch uids: root here. Skipped (and shown as skipped) elsewhere. */
const canSwitchUids = process.getuid?.() === 0;
const userModeEnv = { CLAUDEGATE_SANDBOX: "user", CLAUDEGATE_SANDBOX_UID: "61000" };
/** A uid with no account, for a gateway run as an unprivileged service. */
const UNPRIVILEGED_GATEWAY = 61500;
const skipped = (mode: string) => mode === "user" && !canSwitchUids; // shown as skipped: "(user mode needs root)"

/** The program a process runs (its argv[0]), or "" once it is gone. */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0]!;
  } catch {
    return "";
  }
}

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake?.close();
});

/** Starts a gateway in `mode`, keeps one job's CLI running, and returns what the escape probe of a second job saw. */
async function escapeAttempts(env: Record<string, string>, signals: string[], uid?: number) {
  const gw = await GatewayProcess.start({
    env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_CONCURRENCY: "2", CLAUDEGATE_SHUTDOWN_GRACE_SECONDS: "0", ...env },
    uid,
  });
  try {
    const dotEnv = join(gw.dataDir, ".env");
    writeFileSync(dotEnv, "SOME_OPERATOR_SETTING=1\n", { mode: 0o600 });
    const other = await gw.submit({ prompt: "[[hang]] the other job" });
    const [proc] = await waitUntil(() => {
      const p = cliProcesses([other.job_id]);
      return p.length > 0 && p;
    }, 20_000, "the other job's CLI");
    // The CLI's cwd is its run's workspace/; the run's folder (prompt files, config/) is the one above it.
    const otherDir = dirname(readlinkSync(`/proc/${proc!.pid}/cwd`));
    const files = [
      ...(gw.database.backend === "sqlite" ? [gw.database.path] : []), // on PostgreSQL there is no database file to reach
      dotEnv,
      join(gw.dataDir, "claudegate.webhook-secret"),
      join(gw.dataDir, "claudegate.stream-secret"),
      join(otherDir, "system-prompt.txt"),
    ];
    for (const f of files) expect(existsSync(f), f).toBe(true); // the probe aims at real targets
    const spec = { secret: API_KEY, gatewayPid: gw.child.pid, files, dirs: [gw.dataDir, otherDir], signals };
    const job = await gw.submit({ prompt: `[[probe-escape:${Buffer.from(JSON.stringify(spec)).toString("base64url")}]]` });
    const done = await gw.waitJob(job.job_id);
    expect(done.status, JSON.stringify(done)).toBe("completed");
    // The gateway survived whatever the probe sent it.
    expect((await gw.json("GET", "/api/v1/health")).status).toBe(200);
    return { report: JSON.parse(done.result) as Record<string, string>, files, otherDir, gw };
  } finally {
    await gw.stop();
  }
}

const ATTEMPTS = (files: string[], dirs: string[], signals: string[]) => [
  "ppid-environ",
  "gateway-environ",
  "any-environ",
  ...files.map((f) => `read ${f}`),
  ...dirs.map((d) => `list ${d}`),
  ...signals.map((s) => `kill ${s} gateway`),
];

describe("an agent trying to escape its run", () => {
  it("in mode off (the control) reads the gateway's keys, database, secrets, .env and the other job's folder", async () => {
    const { report, files, otherDir, gw } = await escapeAttempts({ CLAUDEGATE_SANDBOX: "off" }, ["0"]);
    expect(Object.keys(report).sort()).toEqual(ATTEMPTS(files, [gw.dataDir, otherDir], ["0"]).sort());
    const blocked = Object.entries(report).filter(([name, r]) => !r.startsWith("ESCAPED") && name !== "ppid-environ");
    expect(blocked).toEqual([]);
    expect(report["gateway-environ"]).toBe(`ESCAPED: secret in /proc/${gw.child.pid}/environ`);
  });

  it.for([
    ["bwrap", { CLAUDEGATE_SANDBOX: "bwrap" }, undefined],
    // The production form: the service runs unprivileged, and bwrap builds the sandbox in a user namespace.
    ["bwrap", { CLAUDEGATE_SANDBOX: "auto" }, UNPRIVILEGED_GATEWAY],
    ["user", userModeEnv, undefined],
  ] as const)("in mode %s (gateway uid %s) fails at every attempt, SIGTERM to the gateway included", async ([mode, env, uid], ctx) => {
    if (skipped(mode) || (uid !== undefined && !canSwitchUids)) return ctx.skip("needs root (to switch uids)");
    const signals = ["0", "SIGTERM"];
    const { report, files, otherDir, gw } = await escapeAttempts(env, signals, uid);
    expect(Object.keys(report).sort()).toEqual(ATTEMPTS(files, [gw.dataDir, otherDir], signals).sort());
    const escaped = Object.entries(report).filter(([, r]) => !r.startsWith("blocked"));
    expect(escaped).toEqual([]);
    expect(gw.output).toContain(`"msg":"sandbox","mode":"${mode}"`);
  });
});

describe.each([
  ["bwrap", { CLAUDEGATE_SANDBOX: "bwrap" }],
  ["user", userModeEnv],
] as const)("OAuth credentials in mode %s", (mode, env) => {
  it.skipIf(skipped(mode))("reach the run as a copy, and a token refreshed during the run comes back (an older one does not)", async () => {
    const gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, ...env } });
    try {
      const file = join(gw.dataDir, "home", ".claude", ".credentials.json"); // the harness's HOME
      mkdirSync(dirname(file), { recursive: true });
      const soon = Date.now() + 3_600_000;
      writeFileSync(file, JSON.stringify({ claudeAiOauth: { accessToken: "original", expiresAt: soon } }), { mode: 0o600 });
      const later = soon + 3_600_000;
      // The job completes at its result line; the token is written back when its run has ended (before the slot frees).
      const runEnded = () => waitUntil(async () => (await gw.json("GET", "/api/v1/stats")).body.running_clis === 0, 10_000, "the run to end");
      const refreshed = await gw.waitJob((await gw.submit({ prompt: `[[credentials:${later}]]` })).job_id);
      await runEnded();
      expect(refreshed.result).toBe(`credentials expiring at ${soon}`);
      expect(JSON.parse(readFileSync(file, "utf8")).claudeAiOauth).toEqual({ accessToken: "refreshed", expiresAt: later });
      expect((statSync(file).mode & 0o777).toString(8)).toBe("600");
      const older = await gw.waitJob((await gw.submit({ prompt: `[[credentials:${soon}]]` })).job_id);
      await runEnded();
      expect(older.result).toBe(`credentials expiring at ${later}`);
      expect(JSON.parse(readFileSync(file, "utf8")).claudeAiOauth.expiresAt).toBe(later);
    } finally {
      await gw.stop();
    }
  });
});

describe("user mode and the gateway's .env", () => {
  it.skipIf(!canSwitchUids)("warns at start-up when .env is readable by other users (so by every run)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "cg-test-"));
    writeFileSync(join(dataDir, ".env"), "SOME_OPERATOR_SETTING=1\n", { mode: 0o644 });
    chmodSync(join(dataDir, ".env"), 0o644);
    const gw = await GatewayProcess.start({ env: userModeEnv, dataDir });
    try {
      const warning = gw.output.split("\n").find((l) => l.includes(".env is readable"));
      expect(JSON.parse(warning!)).toMatchObject({ level: "WARN", file: join(dataDir, ".env") });
    } finally {
      await gw.stop();
    }
  });
});

describe("CLAUDEGATE_SANDBOX=auto where no sandbox works", () => {
  it("starts unsandboxed with a warning that says why (here: no TMPDIR for the probe's folder, no uid range)", async () => {
    const tools = { CLAUDEGATE_ALLOWED_TOOLS: "Bash,Read" };
    const gw = await GatewayProcess.start({ env: { CLAUDEGATE_SANDBOX: "auto", TMPDIR: "/nonexistent-claudegate-tmp", ...tools } });
    try {
      const line = JSON.parse(gw.output.split("\n").find((l) => l.includes("sandbox off"))!);
      expect(line).toMatchObject({
        level: "WARN",
        mode: "off",
        allowed_tools: "Bash,Read",
        reason: expect.stringMatching(/^auto: no sandbox works here \(bwrap: cannot make a run's folder: ENOENT.*; user: CLAUDEGATE_SANDBOX_UID is not set\)$/),
      });
      expect((await gw.json("GET", "/api/v1/health")).body).toMatchObject({ sandbox: "off", sandbox_reason: line.reason });
    } finally {
      await gw.stop();
    }
  });
});

describe.each([
  // `auto` picks bwrap on this machine (bubblewrap installed, user namespaces allowed), as root and unprivileged.
  ["auto", "bwrap", {}, undefined],
  ["auto", "bwrap", {}, UNPRIVILEGED_GATEWAY],
  ["user", "user", userModeEnv, undefined],
] as const)("the real CLI with CLAUDEGATE_SANDBOX=%s (gateway uid %s)", (setting, mode, env, uid) => {
  let gw: GatewayProcess;
  const skip = skipped(mode) || (uid !== undefined && !canSwitchUids);
  beforeAll(async () => {
    if (skip) return;
    gw = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_SANDBOX: setting, ...env }, uid });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it.skipIf(skip)(`runs in mode ${mode}, and the start-up log and health (with a key only) say so and why`, async () => {
    const line = gw.output.split("\n").find((l) => l.includes('"msg":"sandbox"'));
    expect(JSON.parse(line!)).toMatchObject({ level: "INFO", mode, reason: `${setting === "auto" ? "auto: bwrap" : "CLAUDEGATE_SANDBOX=user,"} probe passed` });
    const health = (await gw.json("GET", "/api/v1/health")).body;
    expect(health).toMatchObject({ status: "ok", sandbox: mode, sandbox_reason: JSON.parse(line!).reason });
    const open = await (await fetch(`${gw.url}/api/v1/health`)).json();
    expect(open).not.toHaveProperty("sandbox");
  });

  it.skipIf(skip)("completes a job against the fake Messages API", async () => {
    const job = await gw.submit({ prompt: `[[reply:sand|boxed ${mode}]] sandboxed-${setting}` });
    expect(await gw.waitJob(job.job_id)).toMatchObject({ status: "completed", result: `sandboxed ${mode}` });
  });

  it.skipIf(skip)("dies with a SIGKILLed gateway: no process of the run survives (pdeathsig, process group, PID namespace)", async () => {
    const job = await gw.submit({ prompt: `[[hang]] killed-${setting}` });
    // Mid-run: the CLI binary itself is running. The first milliseconds (before bwrap arms --die-with-parent) are
    // covered by the start handshake, tested deterministically in test/runtime/sandbox/handshake.test.ts.
    await waitUntil(() => cliProcesses([job.job_id]).some((p) => commandOf(p.pid) === REAL_CLI), 20_000, "the CLI to run");
    await gw.stop("SIGKILL");
    await waitUntil(() => cliProcesses([job.job_id]).length === 0, 10_000, "every process of the run to die");
  });
});

