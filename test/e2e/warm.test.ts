// Warm CLI processes (CLAUDEGATE_WARM_PROCESSES): the real pinned CLI, started ahead of time by the built gateway
// and left waiting for a prompt, against the suite's fake Messages API. Every other test runs with them off
// (test/support/gateway-process.ts), so their process counts are exact.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { GatewayProcess, waitUntil } from "../support/gateway-process";
import { cliProcesses, isAlive } from "../support/processes";

let fake: FakeAnthropic;
let gw: GatewayProcess;
let cold: GatewayProcess;

const ppidOf = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
};
/** The warm CLIs a gateway started (the children of its process whose run marker is a warm one). */
const warmOf = (g: GatewayProcess) => cliProcesses().filter((p) => p.jobId.startsWith("warm-") && ppidOf(p.pid) === g.child.pid);
const hits = (g: GatewayProcess) => g.metric('claudegate_warm_runs_total{result="hit"}');
const misses = (g: GatewayProcess) => g.metric('claudegate_warm_runs_total{result="miss"}');
const start = (warm: string) => GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_WARM_PROCESSES: warm, CLAUDEGATE_LOG_LEVEL: "debug" } });

beforeAll(async () => {
  fake = await startFakeAnthropic();
  [gw, cold] = await Promise.all([start("1"), start("0")]);
});
afterAll(async () => {
  await gw?.stop();
  await cold?.stop();
  await fake?.close();
});

/** What a client sees of a finished job: its stream's events (names and chunk texts) and its final fields. */
async function observed(g: GatewayProcess, prompt: string) {
  const job = await g.submit({ prompt });
  const events = await g.sse(job.job_id);
  const done = await g.waitJob(job.job_id);
  // The stream of a job still running starts with the whole job in a frame without an id; whether the job has
  // finished by the time the stream opens (a warm run is quick) is timing, not what the run produced.
  const shape = events.filter((e) => e.id !== undefined).map((e) => {
    const data = JSON.parse(e.data);
    if (e.event === "chunk") return `chunk:${data.text}`;
    if (e.event === "status") return `status:${data.status}${data.retrying ? " retrying" : ""}`;
    return e.event;
  });
  return { id: job.job_id, shape, done };
}

describe("warm CLI processes", () => {
  it("serves a job from a warm process with the same result, usage and events as a cold run", async () => {
    const [first] = await waitUntil(() => warmOf(gw).length === 1 && warmOf(gw), 30_000, "a warm CLI");
    const before = (await hits(gw))!;
    const warm = await observed(gw, "[[reply:Warm |and |cold]] same-1");
    expect(await hits(gw)).toBe(before + 1);
    expect(gw.output).toContain(`"msg":"job runs on a warm CLI"`);
    await waitUntil(() => !isAlive(first!.pid), 15_000, "the used warm CLI to end"); // used once, then gone
    const coldRun = await observed(cold, "[[reply:Warm |and |cold]] same-1");
    expect(await cold.output).not.toContain("job runs on a warm CLI");
    expect(warm.shape).toEqual(coldRun.shape);
    expect(warm.done).toMatchObject({ status: "completed", result: "Warm and cold", num_turns: coldRun.done.num_turns });
    expect(warm.done.usage).toEqual(coldRun.done.usage);
    // ...and a new one waits for the next job.
    await waitUntil(() => warmOf(gw).some((p) => p.jobId !== first!.jobId), 30_000, "a replacement warm CLI");
  });

  it("runs a job whose configuration differs cold", async () => {
    await waitUntil(() => warmOf(gw).length === 1, 30_000, "a warm CLI");
    const [h, m] = [(await hits(gw))!, (await misses(gw))!];
    const job = await gw.submit({ prompt: "differs-1", system_prompt: "Answer like a pirate." });
    expect(await gw.waitJob(job.job_id)).toMatchObject({ status: "completed", result: "echo: differs-1" });
    expect(await hits(gw)).toBe(h);
    expect(await misses(gw)).toBe(m + 1);
  });

  it("replaces a warm process killed while it waits, and no job fails", async () => {
    // The last job's configuration is kept warm now: a plain job again makes it the default one.
    const plain = await gw.submit({ prompt: "plain-1" });
    await gw.waitJob(plain.job_id);
    const [victim] = await waitUntil(() => warmOf(gw).length === 1 && warmOf(gw), 30_000, "a warm CLI");
    process.kill(victim!.pid, "SIGKILL");
    await waitUntil(() => warmOf(gw).some((p) => p.jobId !== victim!.jobId), 30_000, "a replacement warm CLI");
    const before = (await hits(gw))!;
    const job = await gw.submit({ prompt: "after-kill-1" });
    expect(await gw.waitJob(job.job_id)).toMatchObject({ status: "completed", result: "echo: after-kill-1" });
    expect(await hits(gw)).toBe(before + 1);
    expect(gw.output).toContain("warm CLI went stale; replacing it");
  });

  it("cancels and times out a warm run as a cold one", async () => {
    const [taken] = await waitUntil(() => warmOf(gw).length === 1 && warmOf(gw), 30_000, "a warm CLI");
    const before = (await hits(gw))!;
    const job = await gw.submit({ prompt: "[[hang]] cancel-1" });
    await waitUntil(() => fake.requests.some((r) => r.prompt.includes("cancel-1")), 30_000, "the hanging request");
    expect((await gw.json("POST", `/api/v1/jobs/${job.job_id}/cancel`)).status).toBe(200);
    expect(await gw.waitJob(job.job_id)).toMatchObject({ status: "cancelled", error_code: "cancelled" });
    expect(await hits(gw)).toBe(before + 1);
    await waitUntil(() => cliProcesses().every((p) => p.jobId !== taken!.jobId), 15_000, "the cancelled run's processes to end");

    const [next] = await waitUntil(() => warmOf(gw).length === 1 && warmOf(gw), 30_000, "a warm CLI");
    const timed = await gw.submit({ prompt: "[[hang]] timeout-1", timeout_seconds: 2 });
    expect(await gw.waitJob(timed.job_id)).toMatchObject({ status: "failed", error_code: "timeout", error: "job timed out after 2s" });
    expect(await hits(gw)).toBe(before + 2);
    await waitUntil(() => cliProcesses().every((p) => p.jobId !== next!.jobId), 15_000, "the timed-out run's processes to end");
  });

  it("retires its warm processes when the operator's credentials change: they hold the copy lent at their start", async () => {
    const [old] = await waitUntil(() => warmOf(gw).length === 1 && warmOf(gw), 30_000, "a warm CLI");
    const dir = join(gw.dataDir, "home", ".claude");
    mkdirSync(dir, { recursive: true });
    const creds = { claudeAiOauth: { accessToken: "at-1", refreshToken: "rt-1", expiresAt: Date.now() + 3_600_000, scopes: ["user:inference"] } };
    writeFileSync(join(dir, ".credentials.json"), JSON.stringify(creds), { mode: 0o600 });
    const [h, m] = [(await hits(gw))!, (await misses(gw))!];
    const job = await gw.submit({ prompt: "creds-changed-1" });
    expect(await gw.waitJob(job.job_id)).toMatchObject({ status: "completed", result: "echo: creds-changed-1" });
    expect([await hits(gw), await misses(gw)]).toEqual([h, m + 1]);
    expect(gw.output).toContain("CLI credentials changed: retiring warm CLI processes");
    await waitUntil(() => !isAlive(old!.pid), 15_000, "the retired warm CLI to end");
    // Its replacement got the new credentials and serves the next job.
    await waitUntil(() => warmOf(gw).some((p) => p.jobId !== old!.jobId), 30_000, "a replacement warm CLI");
    const next = await gw.submit({ prompt: "creds-changed-2" });
    const nextDone = await gw.waitJob(next.job_id);
    expect(nextDone, JSON.stringify(nextDone)).toMatchObject({ status: "completed" });
    expect(await hits(gw)).toBe(h + 1);
  });

  it("starts the stall watchdog when the prompt is written, not while the process waits", async () => {
    const g = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_WARM_PROCESSES: "1", CLAUDEGATE_STALL_TIMEOUT_SECONDS: "1" } });
    try {
      await waitUntil(() => warmOf(g).length === 1, 30_000, "a warm CLI");
      const seen = Date.now();
      // The warm CLI prints nothing while it waits: longer than the stall limit.
      await waitUntil(() => Date.now() - seen > 1500, 5_000, "the warm CLI to wait past the stall limit");
      expect(warmOf(g).length).toBe(1);
      const job = await g.submit({ prompt: "stall-1" });
      expect(await g.waitJob(job.job_id)).toMatchObject({ status: "completed", result: "echo: stall-1" });
      expect(await hits(g)).toBe(1);
    } finally {
      await g.stop();
    }
  });

  it("keeps its warm processes when another gateway (another database) starts on the same machine", async () => {
    // A starting gateway reaps what its own dead predecessor left: this database's warm CLIs, never another's.
    const [mine] = await waitUntil(() => warmOf(gw).length === 1 && warmOf(gw), 30_000, "a warm CLI");
    const other = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url } });
    try {
      expect(isAlive(mine!.pid)).toBe(true);
      const job = await gw.submit({ prompt: "after-other-start" });
      expect(await gw.waitJob(job.job_id)).toMatchObject({ status: "completed", result: "echo: after-other-start" });
    } finally {
      await other.stop();
    }
  });

  it("ends its warm processes when stopped (SIGTERM) or killed (SIGKILL)", async () => {
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      const g = await start("2");
      const warm = await waitUntil(() => warmOf(g).length === 2 && warmOf(g), 30_000, "two warm CLIs");
      const ids = warm.map((p) => p.jobId);
      await g.stop(signal);
      await waitUntil(() => cliProcesses().every((p) => !ids.includes(p.jobId)), 15_000, `warm CLIs gone after ${signal}`);
    }
  });
});

describe.each([
  ["bwrap", {}],
  ["user", { CLAUDEGATE_SANDBOX_UID: "61500" }],
] as const)("a warm run in sandbox mode %s", (mode, env) => {
  // User mode switches uids: root only (as test/e2e/sandbox.test.ts).
  it.skipIf(mode === "user" && process.getuid?.() !== 0)("completes as a cold one would, on a warm process", async () => {
    const g = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_WARM_PROCESSES: "1", CLAUDEGATE_SANDBOX: mode, ...env } });
    try {
      const job = await g.submit({ prompt: "[[reply:in |the |sandbox]] sandboxed-1" });
      expect(await g.waitJob(job.job_id)).toMatchObject({ status: "completed", result: "in the sandbox" });
      expect(await hits(g)).toBe(1);
      expect(await misses(g)).toBe(0);
    } finally {
      await g.stop();
    }
  });
});
