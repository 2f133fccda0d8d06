// Configuration rules that the start-up tests do not reach one by one.
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../runtime/config";
import { isLoopbackHost, parseListenAddr, parseMetricsAddr } from "../../../runtime/config/listen-addr";
import { goDuration, readAuthInfo, tokenExpiresAt } from "../../../runtime/health/credentials";
import { buildCliEnv } from "../../../runtime/cli/env";

const dataDir = () => mkdtempSync(join(tmpdir(), "cg-config-"));
const load = (env: Record<string, string>) => loadConfig({ CLAUDEGATE_DB_PATH: join(dataDir(), "x.db"), ...env });

describe("CLAUDEGATE_LISTEN_ADDR", () => {
  it.each([
    [":8080", { host: undefined, port: 8080 }],
    ["127.0.0.1:0", { host: "127.0.0.1", port: 0 }],
    ["[::1]:9000", { host: "::1", port: 9000 }],
    ["localhost:80", { host: "localhost", port: 80 }],
  ])("parses %s", (v, want) => expect(parseListenAddr(v)).toEqual(want));

  it.each(["8080", "host", ":99999", "[::1]", "a:b", "::1:80"])("rejects %s", (v) => expect(() => parseListenAddr(v)).toThrow());

  it("knows which hosts are loopback", () => {
    expect([undefined, "0.0.0.0", "::", "10.0.0.1"].map(isLoopbackHost)).toEqual([false, false, false, false]);
    expect(["127.0.0.1", "127.1.2.3", "::1", "localhost"].map(isLoopbackHost)).toEqual([true, true, true, true]);
  });
});

describe("loadConfig", () => {
  it("has the original's defaults", () => {
    const c = load({ CLAUDEGATE_API_KEYS: "k" });
    expect(c).toMatchObject({
      listen: { host: undefined, port: 8080 }, apiKeys: ["k"], defaultModel: "haiku", concurrency: 1, queueSize: 1000,
      securityPrompt: true, jobTimeoutMs: 0, corsOrigins: [], jobTtlMs: 0, cleanupIntervalMs: 3_600_000, rateLimit: 0,
      maxAttempts: 2, allowedTools: [], cliEnv: [], maxResultBytes: 10 * 1024 * 1024, skipPermissions: false,
    });
  });

  it("names the variable and the rule in the one error line", () => {
    expect(() => load({ CLAUDEGATE_CONCURRENCY: "0" })).toThrow("CLAUDEGATE_CONCURRENCY must be > 0");
    expect(() => load({ CLAUDEGATE_CONCURRENCY: "two" })).toThrow('CLAUDEGATE_CONCURRENCY: invalid integer "two"');
    expect(() => load({ CLAUDEGATE_DEFAULT_MODEL: "gpt" })).toThrow('CLAUDEGATE_DEFAULT_MODEL "gpt" must be one of: haiku, sonnet, opus or a full model id (claude-...)');
    expect(() => load({ CLAUDEGATE_ALLOWED_MODELS: "sonnet,claude-house-model" })).toThrow(
      'CLAUDEGATE_DEFAULT_MODEL "haiku" must be one of CLAUDEGATE_ALLOWED_MODELS (sonnet,claude-house-model)',
    );
    expect(() => load({ CLAUDEGATE_JOB_TTL_HOURS: "1", CLAUDEGATE_CLEANUP_INTERVAL_MINUTES: "0" })).toThrow(
      "CLAUDEGATE_CLEANUP_INTERVAL_MINUTES must be >= 1 when job TTL is enabled",
    );
    expect(() => load({ CLAUDEGATE_API_KEYS: " , " })).toThrow("CLAUDEGATE_API_KEYS contains no valid keys");
  });

  it("reads CLAUDEGATE_TENANT_DEFAULT_POLICY as a key policy, with the same rules", () => {
    expect(load({ CLAUDEGATE_API_KEYS: "k" }).tenantDefaultPolicy).toEqual({});
    expect(load({ CLAUDEGATE_API_KEYS: "k", CLAUDEGATE_TENANT_DEFAULT_POLICY: '{"max_running":1,"models":["haiku"]}' }).tenantDefaultPolicy).toEqual({
      max_running: 1,
      models: ["haiku"],
    });
    expect(() => load({ CLAUDEGATE_TENANT_DEFAULT_POLICY: "max_running=1" })).toThrow(
      'CLAUDEGATE_TENANT_DEFAULT_POLICY must be a JSON object, e.g. {"max_running":1}',
    );
    expect(() => load({ CLAUDEGATE_TENANT_DEFAULT_POLICY: '{"budget_usd":5}' })).toThrow(
      "CLAUDEGATE_TENANT_DEFAULT_POLICY: policy.budget_period is required with policy.budget_usd",
    );
    expect(() => load({ CLAUDEGATE_TENANT_DEFAULT_POLICY: '{"max_runing":1}' })).toThrow(
      "CLAUDEGATE_TENANT_DEFAULT_POLICY: policy.max_runing is not a policy field",
    );
  });

  it("generates a key kept with mode 0600 next to the database, and only binds loopback without keys", () => {
    const dir = dataDir();
    const env = { CLAUDEGATE_DB_PATH: join(dir, "db", "cg.db") };
    const first = loadConfig(env);
    expect(first.listen.host).toBe("127.0.0.1");
    expect(first.generatedKey).toMatchObject({ created: true, file: join(dir, "db", "claudegate.api-key") });
    expect(statSync(first.generatedKey!.file).mode & 0o777).toBe(0o600);
    const second = loadConfig(env);
    expect(second.apiKeys).toEqual(first.apiKeys);
    expect(second.generatedKey!.created).toBe(false);
    expect(() => loadConfig({ ...env, CLAUDEGATE_LISTEN_ADDR: "0.0.0.0:8080" })).toThrow(/non-loopback/);
  });
});

describe("the CLI's environment", () => {
  it("keeps the allow-list and the operator's extra names, never CLAUDEGATE_* or CLAUDECODE", () => {
    const env = buildCliEnv(
      { PATH: "/bin", HOME: "/h", LC_ALL: "C", ANTHROPIC_API_KEY: "a", CLAUDE_CODE_OAUTH_TOKEN: "t", CLAUDEGATE_API_KEYS: "secret", CLAUDECODE: "1", AWS_SECRET: "x", MY_VAR: "y" },
      ["MY_VAR", "CLAUDEGATE_API_KEYS"],
      "job-1",
    );
    expect(env).toEqual({ PATH: "/bin", HOME: "/h", LC_ALL: "C", ANTHROPIC_API_KEY: "a", CLAUDE_CODE_OAUTH_TOKEN: "t", MY_VAR: "y", CG_JOB_ID: "job-1", CG_GATEWAY_PID: String(process.pid) });
  });
});

describe("health's token expiry", () => {
  it("formats durations as Go does, truncated to seconds", () => {
    expect([0, 999, 45_000, 45 * 60_000, 7 * 3_600_000 + 12 * 60_000 + 3_000].map(goDuration)).toEqual(["0s", "0s", "45s", "45m0s", "7h12m3s"]);
  });

  it("reports unknown without a credentials file", () => {
    expect(readAuthInfo("/nonexistent/.credentials.json")).toEqual({ claude_auth: "unknown" });
  });
});

describe("agent option policies", () => {
  it("reads CLAUDEGATE_MCP_CONFIG and CLAUDEGATE_ALLOWED_PERMISSION_MODES, refusing bad ones in one line", () => {
    const dir = dataDir();
    const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    const good = file("mcp.json", JSON.stringify({ mcpServers: { docs: { command: "docs-mcp" }, web: { type: "http", url: "http://x" } } }));
    expect(Object.keys(load({ CLAUDEGATE_MCP_CONFIG: good }).mcpServers)).toEqual(["docs", "web"]);
    expect(() => load({ CLAUDEGATE_MCP_CONFIG: join(dir, "none.json") })).toThrow(/^CLAUDEGATE_MCP_CONFIG: cannot read .*none\.json \(ENOENT\)$/);
    expect(() => load({ CLAUDEGATE_MCP_CONFIG: file("a.json", "{") })).toThrow(/not valid JSON/);
    expect(() => load({ CLAUDEGATE_MCP_CONFIG: file("b.json", "[]") })).toThrow('must be a JSON object with an "mcpServers" object');
    expect(() => load({ CLAUDEGATE_MCP_CONFIG: file("c.json", '{"mcpServers":{"x":{"args":[]}}}') })).toThrow('server "x" must be an object with a "command" or a "url"');
    expect(load({ CLAUDEGATE_ALLOWED_PERMISSION_MODES: "default, plan" }).allowedPermissionModes).toEqual(["default", "plan"]);
    expect(() => load({ CLAUDEGATE_ALLOWED_PERMISSION_MODES: "yolo" })).toThrow("CLAUDEGATE_ALLOWED_PERMISSION_MODES must list only: acceptEdits, auto, bypassPermissions, default, dontAsk, plan");
  });
});

describe("observability settings", () => {
  it("parses CLAUDEGATE_METRICS_ADDR, on loopback when only a port is given", () => {
    expect(parseMetricsAddr(":9464")).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(parseMetricsAddr("9464")).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(parseMetricsAddr("0.0.0.0:9464")).toEqual({ host: "0.0.0.0", port: 9464 });
    expect(load({ CLAUDEGATE_API_KEYS: "k" }).metricsListen).toBeUndefined();
    expect(load({ CLAUDEGATE_API_KEYS: "k", CLAUDEGATE_METRICS_ADDR: "[::1]:9000" }).metricsListen).toEqual({ host: "::1", port: 9000 });
    expect(() => load({ CLAUDEGATE_API_KEYS: "k", CLAUDEGATE_METRICS_ADDR: "nope" })).toThrow(/^CLAUDEGATE_METRICS_ADDR "nope" must look like/);
  });

  it("takes CLAUDEGATE_LOG_LEVEL from a fixed list, default info", () => {
    expect(load({ CLAUDEGATE_API_KEYS: "k" }).logLevel).toBe("info");
    expect(load({ CLAUDEGATE_API_KEYS: "k", CLAUDEGATE_LOG_LEVEL: "DEBUG" }).logLevel).toBe("debug");
    expect(() => load({ CLAUDEGATE_API_KEYS: "k", CLAUDEGATE_LOG_LEVEL: "verbose" })).toThrow(
      'CLAUDEGATE_LOG_LEVEL "verbose" must be one of: debug, info, warn, error',
    );
  });

  it("reads the CLI token's expiry for the metric, or nothing without a credentials file", () => {
    const dir = dataDir();
    writeFileSync(join(dir, ".credentials.json"), JSON.stringify({ claudeAiOauth: { expiresAt: 1_800_000_000_000 } }));
    expect(tokenExpiresAt(join(dir, ".credentials.json"))).toBe(1_800_000_000_000);
    expect(tokenExpiresAt("/nonexistent/.credentials.json")).toBeUndefined();
  });
});
