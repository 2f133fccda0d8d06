// Faults the real CLI cannot be made to show on demand, played by the scripted fake CLI. Each must end in its
// documented status and error_code, leave no process behind, and leave the server serving.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { cliProcesses, isAlive } from "../support/processes";

let gw: GatewayProcess;
const scratch = mkdtempSync(join(tmpdir(), "cg-faults-"));
const cliLog = join(scratch, "cli.log");
let n = 0;
const pidFile = () => join(scratch, `pid-${++n}`);
const readPid = (file: string) => waitUntil(() => existsSync(file) && Number(readFileSync(file, "utf8")), 10_000, "pid file");

beforeAll(async () => {
  gw = await GatewayProcess.start({
    env: {
      CLAUDEGATE_CLAUDE_PATH: FAKE_CLI,
      CLAUDEGATE_CONCURRENCY: "3",
      CLAUDEGATE_MAX_RESULT_BYTES: String(2 * 1024 * 1024),
      CLAUDEGATE_CLI_ENV: "FAKE_CLAUDE_LOG",
      FAKE_CLAUDE_LOG: cliLog,
      CLAUDECODE: "1",
      CLAUDE_CODE_OAUTH_TOKEN: "oauth-token-for-the-cli",
      UNRELATED_SECRET: "must-not-leak",
    },
  });
});
afterAll(async () => {
  await gw?.stop();
});

async function run(prompt: string, extra: Record<string, unknown> = {}) {
  const job = await gw.submit({ prompt, ...extra });
  return gw.waitJob(job.job_id);
}

describe("CLI faults", () => {
  it("gives the CLI the prompt on stdin, a clean argv, an allow-listed env and a fresh temporary directory", async () => {
    const done = await run("[[reply:ok]] argv-check --help", { model: "opus", system_prompt: "be brief" });
    expect(done.status).toBe("completed");
    const entry = readFileSync(cliLog, "utf8").trim().split("\n").map((l) => JSON.parse(l)).find((e) => e.stdin.includes("argv-check"));
    expect(entry.stdin).toBe("[[reply:ok]] argv-check --help");
    expect(entry.argv.slice(0, 7)).toEqual(["-p", "--verbose", "--output-format", "stream-json", "--include-partial-messages", "--model", "opus"]);
    // The system prompt is read from a private file in the run's directory, never passed in argv.
    expect(entry.argv).not.toContain("--system-prompt");
    // The run's folder holds the system prompt file, the CLI's own configuration folder and its working directory.
    const runDir = dirname(entry.cwd);
    expect(entry.argv[entry.argv.indexOf("--system-prompt-file") + 1]).toBe(join(runDir, "system-prompt.txt"));
    expect(entry.env.CLAUDE_CONFIG_DIR).toBe(join(runDir, "config"));
    expect(entry.systemPrompt).toMatch(/sandboxed API environment[\s\S]*\n\nbe brief$/);
    expect(entry.systemPromptMode).toBe("600");
    expect(entry.argv.join(" ")).not.toContain("be brief");
    expect(entry.argv[entry.argv.indexOf("--tools") + 1]).toBe("");
    expect(entry.argv).not.toContain("--dangerously-skip-permissions");
    expect(entry.argv.join(" ")).not.toContain("argv-check");
    expect(Object.keys(entry.env).filter((k) => k.startsWith("CLAUDEGATE_"))).toEqual([]);
    expect(entry.env.CLAUDECODE).toBeUndefined();
    expect(entry.env.UNRELATED_SECRET).toBeUndefined();
    expect(entry.env.CLAUDE_CODE_OAUTH_TOKEN).toBe("oauth-token-for-the-cli");
    expect(entry.env.ANTHROPIC_API_KEY).toBe("sk-test");
    expect(entry.cwd).toMatch(/\/claudegate-job-[^/]+\/workspace$/);
    await waitUntil(() => !existsSync(runDir), 5_000, "the job's temporary directory to be removed");
  });

  it("fails a crash without a result with the exit status and the last stderr lines", async () => {
    const done = await run("[[crash]]");
    expect(done).toMatchObject({ status: "failed", error_code: "cli_error" });
    expect(done.error).toBe("claude exited: exit status 3 — boom on stderr");
  });

  it("fails a crash mid-stream after streaming what it had", async () => {
    const job = await gw.submit({ prompt: "[[crash-mid]][[delay:100]]" });
    const events = await gw.sse(job.job_id);
    expect(events.filter((e) => e.event === "chunk").length).toBe(2);
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ status: "failed" });
    expect((await gw.waitJob(job.job_id)).error_code).toBe("cli_error");
  });

  it("fails exit 0 without a result line (the original called that success)", async () => {
    const done = await run("[[exit0-noresult]]");
    expect(done).toMatchObject({ status: "failed", error_code: "cli_error", error: "claude exited without a result" });
  });

  it("classifies errors reported with exit 0 and subtype success", async () => {
    expect(await run("[[error-exit0]]")).toMatchObject({ status: "failed", error_code: "auth_required" });
    expect(await run("[[api-error:529]]")).toMatchObject({ status: "failed", error_code: "api_error", error: "API Error: 529 fake" });
  });

  it("takes the result line as the end of a CLI that lingers, and kills it shortly after", async () => {
    // Runs that lingered 1 to 5 s after their result line (the grace is 2 s): this one, once its worker ends.
    const lingeredLong = async () =>
      (await gw.metric('claudegate_cli_linger_seconds_bucket{le="5"}'))! - (await gw.metric('claudegate_cli_linger_seconds_bucket{le="1"}'))!;
    const before = await lingeredLong();
    const file = pidFile();
    const done = await run(`[[reply:done]][[linger]][[pid-file:${file}]]`);
    expect(done).toMatchObject({ status: "completed", result: "done" });
    const pid = await readPid(file);
    await waitUntil(() => !isAlive(pid), 10_000, "the lingering CLI to be killed");
    // At least this one: on a loaded machine an earlier test's CLI may also take over a second to exit after its
    // result and land in the same buckets while this one is measured.
    await waitUntil(async () => (await lingeredLong()) >= before + 1, 10_000, "the linger time to be measured");
  });

  it("times out a silent CLI: SIGTERM to its group, failed `timeout`", async () => {
    const file = pidFile();
    const done = await run(`[[hang]][[pid-file:${file}]]`, { timeout_seconds: 1 });
    expect(done).toMatchObject({ status: "failed", error_code: "timeout", error: "job timed out after 1s" });
    await waitUntil(() => !isAlive(Number(readFileSync(file, "utf8"))), 5_000, "the hung CLI to die");
  });

  it("follows SIGTERM with SIGKILL when the CLI ignores it", async () => {
    const file = pidFile();
    const done = await run(`[[ignore-term]][[pid-file:${file}]]`, { timeout_seconds: 1 });
    expect(done).toMatchObject({ status: "failed", error_code: "timeout" });
    const pid = Number(readFileSync(file, "utf8"));
    await waitUntil(() => !isAlive(pid), 10_000, "SIGKILL after the grace period");
  });

  it("reads a 1 MB single line whole", async () => {
    const done = await run("[[bigline:1000000]]");
    expect(done.status).toBe("completed");
    expect(done.result.length).toBe(1_000_000);
  });

  it("fails output over CLAUDEGATE_MAX_RESULT_BYTES as output_too_large and kills the CLI", async () => {
    const file = pidFile();
    const done = await run(`[[flood:${3 * 1024 * 1024}]][[pid-file:${file}]]`);
    expect(done).toMatchObject({ status: "failed", error_code: "output_too_large" });
    await waitUntil(() => !isAlive(Number(readFileSync(file, "utf8"))), 5_000, "the flooding CLI to die");
  });

  it("kills a grandchild that holds stdout open together with the CLI's process group", async () => {
    const job = await gw.submit({ prompt: "[[grandchild]]" });
    const done = await gw.waitJob(job.job_id);
    expect(done.status).toBe("completed");
    await waitUntil(() => cliProcesses([job.job_id]).length === 0, 5_000, "the grandchild to die");
  });

  it("ignores garbage lines between valid ones", async () => {
    expect(await run("[[invalid-lines]][[reply:fine]]")).toMatchObject({ status: "completed", result: "fine" });
  });

  it("is still serving after all of that, with no CLI process left", async () => {
    expect((await gw.json("GET", "/api/v1/health")).status).toBe(200);
    const ids = (await gw.json("GET", "/api/v1/jobs?limit=100")).body.jobs.map((j: any) => j.job_id);
    expect(ids.length).toBeGreaterThan(10);
    await waitUntil(() => cliProcesses(ids).length === 0, 10_000, "no CLI left");
  });
});

describe("a missing CLI binary", () => {
  it("fails the job cli_missing, naming CLAUDEGATE_CLAUDE_PATH", async () => {
    const g = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: "/nonexistent/claude" } });
    try {
      const job = await g.submit({ prompt: "hello" });
      const done = await g.waitJob(job.job_id);
      expect(done).toMatchObject({ status: "failed", error_code: "cli_missing" });
      expect(done.error).toContain("CLAUDEGATE_CLAUDE_PATH");
      expect(done.error).toContain("/nonexistent/claude");
    } finally {
      await g.stop();
    }
  });
});
