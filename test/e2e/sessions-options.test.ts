// Agent options per job with the real pinned CLI against the fake Messages API: json_schema checked by the
// gateway (an invalid schema is a 400, output that does not match fails `schema_mismatch`), and the options the
// operator's policy does not allow refused with a 400 naming the field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAKE_CLI, GatewayProcess } from "../support/gateway-process";
import { createTenant, submitAs } from "../support/tenants";

let fake: FakeAnthropic;
let gw: GatewayProcess;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  gw = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_CONCURRENCY: "2" } });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
});

const schema = { type: "object", properties: { answer: { type: "integer", minimum: 0 } }, required: ["answer"], additionalProperties: false };

describe("json_schema", () => {
  it("completes with output that validates; the real CLI itself refuses output that does not", async () => {
    const ok = await gw.submit({ prompt: '[[structured:{"answer": 42}]] opt-schema-ok', json_schema: schema });
    expect(await gw.waitJob(ok.job_id)).toMatchObject({ status: "completed", result: '{"answer":42}' });
    // The CLI validates the StructuredOutput tool's input, asks again, and ends without structured output.
    const bad = await gw.submit({ prompt: '[[structured:{"answer": -1}]] opt-schema-bad', json_schema: schema });
    expect(await gw.waitJob(bad.job_id)).toMatchObject({ status: "failed", error_code: "invalid_json" });
  });

  it("fails schema_mismatch when output that does not match reaches the gateway (a CLI that did not check it)", async () => {
    const scripted = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
    try {
      const bad = await scripted.submit({ prompt: '[[structured:{"answer": -1}]] opt-schema-unchecked', json_schema: schema });
      const failed = await scripted.waitJob(bad.job_id);
      expect(failed).toMatchObject({ status: "failed", error_code: "schema_mismatch" });
      expect(failed.error).toBe("structured output does not match json_schema: /answer must be >= 0");
      const ok = await scripted.submit({ prompt: '[[structured:{"answer": 1}]] opt-schema-fine', json_schema: schema });
      expect(await scripted.waitJob(ok.job_id)).toMatchObject({ status: "completed", result: '{"answer":1}' });
    } finally {
      await scripted.stop();
    }
  });

  it("refuses a schema that does not compile", async () => {
    const r = await gw.json("POST", "/api/v1/jobs", { prompt: "x", json_schema: { type: "nonsense" } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^json_schema is not a valid JSON Schema: /);
  });
});

describe("agent options and the operator's policy (scripted CLI)", () => {
  let scripted: GatewayProcess;
  let logFile: string;
  const runOf = (marker: string) =>
    readFileSync(logFile, "utf8").trim().split("\n").map((l) => JSON.parse(l)).find((e) => e.stdin.includes(marker))!;
  const flag = (argv: string[], name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "cg-options-"));
    logFile = join(dir, "runs.jsonl");
    const mcp = join(dir, "mcp.json");
    writeFileSync(mcp, JSON.stringify({ mcpServers: { docs: { command: "/bin/true", args: ["docs"] }, other: { type: "http", url: "http://127.0.0.1:9/mcp" } } }));
    scripted = await GatewayProcess.start({
      env: {
        CLAUDEGATE_CLAUDE_PATH: FAKE_CLI,
        FAKE_CLAUDE_LOG: logFile,
        CLAUDEGATE_ALLOWED_TOOLS: "Read,Grep",
        CLAUDEGATE_ALLOWED_PERMISSION_MODES: "default,acceptEdits",
        CLAUDEGATE_MCP_CONFIG: mcp,
        CLAUDEGATE_CLI_ENV: "FAKE_CLAUDE_LOG",
        CLAUDEGATE_ALLOWED_MODELS: "haiku,claude-sonnet-5",
      },
    });
  });
  afterAll(async () => scripted?.stop());

  it("passes every option to the CLI: flags, only the named MCP servers, the appended system prompt", async () => {
    const job = await scripted.submit({
      prompt: "opt-all",
      max_turns: 3,
      max_budget_usd: 0.25,
      fallback_model: "claude-sonnet-5",
      effort: "high",
      append_system_prompt: "Answer in French.",
      tools: ["Read"],
      permission_mode: "acceptEdits",
      mcp_servers: ["docs"],
    });
    const done = await scripted.waitJob(job.job_id);
    expect(done).toMatchObject({ status: "completed", max_turns: 3, tools: ["Read"], mcp_servers: ["docs"], effort: "high" });
    const run = runOf("opt-all");
    expect(flag(run.argv, "--max-turns")).toBe("3");
    expect(flag(run.argv, "--max-budget-usd")).toBe("0.25");
    expect(flag(run.argv, "--fallback-model")).toBe("claude-sonnet-5");
    expect(flag(run.argv, "--effort")).toBe("high");
    expect(flag(run.argv, "--permission-mode")).toBe("acceptEdits");
    expect(flag(run.argv, "--tools")).toBe("Read");
    expect(run.argv).toContain("--strict-mcp-config");
    expect(JSON.parse(run.mcpConfig)).toEqual({ mcpServers: { docs: { command: "/bin/true", args: ["docs"] } } });
    expect(run.appendSystemPrompt).toBe("Answer in French.");
  });

  it("refuses, naming the field, tools, permission modes and MCP servers outside the policy", async () => {
    const refused = async (body: Record<string, unknown>, headers?: Record<string, string>) => {
      const r = await scripted.json("POST", "/api/v1/jobs", { prompt: "never runs", ...body }, headers);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      return r.body.error as string;
    };
    expect(await refused({ tools: ["Bash"] })).toBe('tools: "Bash" is not allowed (CLAUDEGATE_ALLOWED_TOOLS: Read,Grep)');
    expect(await refused({ permission_mode: "bypassPermissions" })).toBe(
      'permission_mode "bypassPermissions" is not allowed (CLAUDEGATE_ALLOWED_PERMISSION_MODES: default,acceptEdits)',
    );
    expect(await refused({ mcp_servers: ["shell"] })).toBe('mcp_servers: "shell" is not a server of CLAUDEGATE_MCP_CONFIG');
    expect(await refused({ mcp_servers: [{ command: "rm" }] })).toBe("mcp_servers must be an array of MCP server names");
    expect(await refused({ effort: "extreme" })).toBe("effort must be one of: low, medium, high, xhigh, max");
    expect(await refused({ max_turns: 0 })).toBe("max_turns must be a positive integer");
    expect(await refused({ model: "opus" })).toBe('model "opus" is not allowed (CLAUDEGATE_ALLOWED_MODELS: haiku,claude-sonnet-5)');
    expect(await refused({ fallback_model: "sonnet" })).toBe('fallback_model "sonnet" is not allowed (CLAUDEGATE_ALLOWED_MODELS: haiku,claude-sonnet-5)');
    expect(await refused({ model: "gpt-4" })).toBe("model must be one of: haiku, sonnet, opus or a full model id (claude-...)");
    const byId = await scripted.submit({ prompt: "opt-model-id", model: "claude-sonnet-5" });
    await scripted.waitJob(byId.job_id);
    expect(flag(runOf("opt-model-id").argv, "--model")).toBe("claude-sonnet-5");

    const t = await createTenant(scripted, "tools-read-only", { tools: ["Read"] });
    expect(await refused({ tools: ["Grep"] }, t.h)).toBe('tools: "Grep" is not allowed for this key (policy.tools: Read)');
    // Without its own list, the key's job gets the operator's tools narrowed to its policy.
    const job = await submitAs(scripted, t, { prompt: "opt-key-tools" });
    expect(job.tools).toEqual(["Read"]);
    await scripted.waitJob(job.job_id);
    expect(flag(runOf("opt-key-tools").argv, "--tools")).toBe("Read");
    expect(flag(runOf("opt-key-tools").argv, "--allowedTools")).toBe("Read");
    expect(runOf("opt-key-tools").argv).not.toContain("--mcp-config");
  });

  it("streams tool_use and tool_result events and counts the run's tool calls", async () => {
    const job = await scripted.submit({ prompt: "[[tool:Read]] opt-tools" });
    const events = await scripted.sse(job.job_id);
    const use = events.find((e) => e.event === "tool_use");
    const result = events.find((e) => e.event === "tool_result");
    expect(JSON.parse(use!.data)).toMatchObject({ job_id: job.job_id, name: "Read", input: '{"path":"x"}' });
    const id = JSON.parse(use!.data).tool_use_id;
    expect(JSON.parse(result!.data)).toEqual({ job_id: job.job_id, tool_use_id: id, output: "output of Read", is_error: false });
    expect((await scripted.waitJob(job.job_id)).tool_calls).toBe(1);
    const failing = await scripted.submit({ prompt: "[[tool:failTool]] opt-tools-2" });
    const ev = (await scripted.sse(failing.job_id)).find((e) => e.event === "tool_result");
    expect(JSON.parse(ev!.data).is_error).toBe(true);
  });
});

describe("models with the real CLI", () => {
  it("passes a full model id to the API as is", async () => {
    const job = await gw.submit({ prompt: "opt-model-real", model: "claude-haiku-4-5-20251001" });
    expect(await gw.waitJob(job.job_id)).toMatchObject({ status: "completed", model: "claude-haiku-4-5-20251001" });
    expect(fake.requests.find((r) => r.kind === "main" && r.prompt.includes("opt-model-real"))!.model).toBe("claude-haiku-4-5-20251001");
  });
});

describe("append_system_prompt with the real CLI", () => {
  it("reaches the API after the system prompt", async () => {
    const job = await gw.submit({ prompt: "opt-append-real", system_prompt: "Be brief.", append_system_prompt: "Answer in French." });
    expect(await gw.waitJob(job.job_id)).toMatchObject({ status: "completed" });
    const req = fake.requests.find((r) => r.kind === "main" && r.prompt.includes("opt-append-real"))!;
    expect(req.system).toContain("Be brief.");
    expect(req.system.indexOf("Answer in French.")).toBeGreaterThan(req.system.indexOf("Be brief."));
  });
});
