// Proves test/support/fake-anthropic.ts works with the REAL claude binary, and sanity-checks fake-claude.mjs.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { cliRuns, startFakeAnthropic, type FakeAnthropic } from "./fake-anthropic.js";

const CLAUDE = fileURLToPath(new URL("../../node_modules/.bin/claude", import.meta.url));
const FAKE_CLAUDE = fileURLToPath(new URL("./fake-claude.mjs", import.meta.url));
// The one place the CLI version is written (docs/cli-stream-json.md: a bump is that line and the lockfile).
const PINNED = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).dependencies["@anthropic-ai/claude-code"];
const BASE_ARGS = ["-p", "--verbose", "--output-format", "stream-json", "--include-partial-messages"];

interface Run {
  code: number | null;
  stderr: string;
  lines: any[];
  result: any;
  deltas: string[];
}

const homes: string[] = [];
afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

/** Spawns `bin` with the prompt on stdin (then closed) and parses its stream-json stdout. */
function run(bin: string, args: string[], prompt: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000); // never let a hung CLI hang the suite
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const lines = stdout
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l));
      const deltas = lines
        .filter((l) => l.type === "stream_event" && l.event?.delta?.type === "text_delta")
        .map((l) => l.event.delta.text as string);
      resolve({ code, stderr, lines, result: lines.find((l) => l.type === "result"), deltas });
    });
    child.stdin.end(prompt);
  });
}

describe("fake Anthropic API driven by the real claude CLI", () => {
  let fake: FakeAnthropic;
  beforeEach(async () => {
    fake = await startFakeAnthropic();
  });
  afterEach(() => fake.close());

  const runClaude = (prompt: string, extra: string[] = [], model = "haiku") => {
    const home = mkdtempSync(join(tmpdir(), "claudegate-fake-home-"));
    homes.push(home);
    const env = { HOME: home, ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: "test" };
    return run(CLAUDE, [...BASE_ARGS, "--model", model, "--tools", "", ...extra], prompt, env);
  };
  const mains = () => fake.requests.filter((r) => r.kind === "main");
  const firstMain = () => {
    const m = mains()[0];
    if (!m) throw new Error(`no main request among ${fake.requests.length}`);
    return m;
  };

  it("is the CLI version package.json pins (after a bump, npm install)", () => {
    expect(execFileSync(CLAUDE, ["--version"], { encoding: "utf8", timeout: 20_000 }).trim()).toBe(`${PINNED} (Claude Code)`);
  });

  it("answers the default echo in several deltas, in one main request per run", async () => {
    const r = await runClaude("what is a mutex?");
    expect(r.code).toBe(0);
    expect(r.deltas.length).toBeGreaterThanOrEqual(2);
    expect(r.result).toMatchObject({ subtype: "success", is_error: false });
    expect(r.result.result).toBe(r.deltas.join(""));
    expect(r.result.result).toBe("echo: what is a mutex?");

    expect(firstMain()).toMatchObject({ prompt: "what is a mutex?", stream: true });
    expect(firstMain().model).toMatch(/^claude-haiku-/); // the alias resolved in the CLI; the full id moves with versions
    expect(firstMain().path).toMatch(/^\/v1\/messages(\?|$)/);
    // 2.1.197 asked for a session title first (the fake answers those as kind "side"); 2.1.332 asks for none.
    expect(fake.requests.map((q) => q.kind)).toEqual(["main"]);
  });

  it("[[reply:a|b|c]] streams exactly three deltas", async () => {
    const r = await runClaude("[[reply:a|b|c]]");
    expect(r.code).toBe(0);
    expect(r.deltas).toEqual(["a", "b", "c"]);
    expect(r.result.result).toBe("abc");
  });

  it("[[status:400]] ends with an is_error result carrying api_error_status 400", async () => {
    const r = await runClaude("fail please [[status:400]]");
    expect(r.code).toBe(1);
    expect(r.result).toMatchObject({ is_error: true, api_error_status: 400 });
    expect(r.result.result).toContain("API Error: 400");
    // Not retried as a transient error: no api_retry line. 2.1.332 does resend the request twice, each time without
    // one more optional beta header (2.1.197 sent it once), all within the one run.
    expect(r.lines.filter((l) => l.subtype === "api_retry")).toEqual([]);
    expect(mains().map((m) => m.prompt)).toEqual(Array(3).fill("fail please [[status:400]]"));
    expect(cliRuns(fake.requests)).toBe(1);
  });

  it("resolves the sonnet alias to a full model id before it reaches the server", async () => {
    const r = await runClaude("[[reply:ok]]", [], "sonnet");
    expect(r.result.result).toBe("ok");
    const model = firstMain().model;
    expect(model).toMatch(/^claude-sonnet-/);
    expect(model).not.toBe("sonnet");
  });

  it("passes --system-prompt into the request's system", async () => {
    const r = await runClaude("[[reply:ok]]", ["--system-prompt", "You are SYS-MARK-42."]);
    expect(r.code).toBe(0);
    expect(firstMain().system).toContain("You are SYS-MARK-42.");
    // The session-id header groups a run's requests; it equals the init line's session_id.
    expect(firstMain().headers["x-claude-code-session-id"]).toBe(r.lines[0].session_id);
  });
});

describe("fake-claude.mjs", () => {
  const argv = [...BASE_ARGS, "--model", "haiku", "--tools", ""];

  it("[[reply:x|y]] gives a successful result xy", async () => {
    const r = await run(FAKE_CLAUDE, argv, "hello [[reply:x|y]]");
    expect(r.code).toBe(0);
    expect(r.lines[0]).toMatchObject({ type: "system", subtype: "init", claude_code_version: PINNED });
    expect(r.deltas).toEqual(["x", "y"]);
    expect(r.result).toMatchObject({ subtype: "success", is_error: false, result: "xy" });
  });

  it("[[crash]] exits 3 with stderr and no result line", async () => {
    const r = await run(FAKE_CLAUDE, argv, "[[crash]]");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("boom on stderr");
    expect(r.result).toBeUndefined();
  });
});
