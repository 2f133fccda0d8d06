#!/usr/bin/env node
// Scripted stand-in for `claude -p --verbose --output-format stream-json ...`, for faults the real CLI cannot be made
// to show on demand (crashes, lingering, hanging children, huge lines). Argv is accepted and ignored (only --model is
// echoed into the lines); the prompt is read from stdin until EOF, like the gateway feeds the real CLI.
// Directives in the prompt, `[[name]]` or `[[name:arg]]`:
//   (none)              success answering `fake: <first 40 chars of prompt>` in 2 deltas, exit 0
//   [[reply:a|b]]       answer deltas split at `|`          [[delay:MS]]   wait MS between deltas
//   [[crash]]           init, "boom on stderr" on stderr, exit 3, no result
//   [[crash-mid]]       init + 2 deltas, exit 1, no result   [[exit0-noresult]]  init, exit 0
//   [[linger]]          successful result, then stay alive 10 minutes
//   [[hang]]            init, then silence forever           [[ignore-term]]  ignore SIGTERM, init, hang
//   [[bigline:N]]       result text (and a single delta) of N bytes of "x"
//   [[flood:N]]         N bytes of text in 64 KiB deltas as fast as the pipe takes them, then a result of it all
//   [[piece:B]]         with [[flood]]: deltas of B bytes instead of 64 KiB (a long history of small events)
//   [[grandchild]]      spawn `sleep 600` in our process group holding stdout, print
//                       {"type":"system","subtype":"fake_grandchild","pid":N}, then result and exit 0
//   [[spawn-hang]]      as grandchild, but then hang without a result
//   [[daemon]]          first start `sleep 600` in a session of its own (out of our process group, as an agent's
//                       `setsid cmd &` would), then answer as usual
//   [[api-error:CODE]]  result is_error:true, api_error_status:CODE, "API Error: CODE fake", exit 1
//   [[usage-limit:EPOCH]] result is_error:true, api_error_status:429, "Claude AI usage limit reached|EPOCH", exit 1
//   [[usage-limit-once:FILE]] the same on the first run only (creates FILE), a normal answer afterwards
//   [[error-exit0]]     result subtype success + is_error:true "Not logged in · Please run /login", exit 0
//   [[invalid-lines]]   non-JSON garbage lines between the valid ones, then a normal result
//   [[pid-file:PATH]]   first write our pid to PATH
//   [[endless]]         init, then small text deltas back to back, for ever (a dense stream to cancel mid-way)
//   [[stack-crash]]     init, then a Node-style error with stack frames and absolute paths on stderr, exit 1
//   [[api-retry:N]]     N api_retry lines (error_status 529, no delay) before the usual answer
//   [[cost:USD]]        report total_cost_usd USD (default 0.00004) on a successful result
//   [[refresh-credentials]] as a CLI renewing its OAuth token: parse <CLAUDE_CONFIG_DIR or ~/.claude>/.credentials.json
//                       and .claude.json (exit 4 if either is not valid JSON), count a start in .claude.json, and
//                       rewrite the credentials in place, in two writes, with a later expiresAt; answer `renewed:<expiresAt>`
//   [[structured:JSON]] the result line carries `structured_output: JSON` (unchecked, as a CLI that did not validate it)
//   [[tool:NAME]]       before the answer: an assistant line with a tool_use of NAME (input {"path":"x"}), then a user
//                       line with its tool_result ("output of NAME", is_error when NAME starts with "fail")
//   [[write:P=TEXT;...]] before answering, write TEXT to P under the working directory (folders made as needed)
//   [[symlink:P=TARGET;...]] before answering, make P a symbolic link to TARGET
//   [[ls]]              answer the files under the working directory, recursively: `path:size` sorted, space-separated
//                       (a symlink shows as `path@`)
//   [[span:FILE]]       append {"start","end","stdin"} (epoch ms of our start and of our exit) to FILE as one JSON line
//   [[probe-escape:B64]] what an agent with tools would try against the gateway (B64 = base64url JSON
//                       {secret, gatewayPid, files, dirs, signals}): read /proc/<ppid>/environ, /proc/<gatewayPid>/
//                       environ and every /proc/*/environ looking for `secret`, read each of `files`, list each of
//                       `dirs`, send each of `signals` to gatewayPid. The result text is JSON {attempt: "ESCAPED ..."
//                       | "blocked ..."} (see probeEscape); exit 0
//   [[credentials:EPOCH]] answer with the expiresAt of <CLAUDE_CONFIG_DIR or ~/.claude>/.credentials.json (or "none"), then, when EPOCH
//                       is given, replace that file (write + rename, as a token refresh might) with one expiring at EPOCH
// Env FAKE_CLAUDE_LOG=<file>: after stdin is read, append {"argv","env","cwd","stdin","at"} as one JSON line (`at`:
// epoch ms, so a test can tell a run that started after its job had ended), plus `systemPrompt` and
// `systemPromptMode` (octal) read from the `--system-prompt-file` argument when there is one, `mcpConfig` from
// `--mcp-config` and `appendSystemPrompt` from `--append-system-prompt-file`.
// Env FAKE_CLAUDE_LIVES=<dir>: counts the CLIs of one job alive at once (the multi-instance tests). First thing on
// start, append `start <pid> <epoch ms> <CG_GATEWAY_PID>` to <dir>/<CG_JOB_ID>, then `overlap <pid> <our pid>` for every
// earlier start there whose process is still alive (a live, non-zombie process of the same job); `end <pid> <epoch ms>`
// on a normal exit. Two runs of a job overlap exactly when the later one starts while the earlier one lives, which
// its start sees; a run killed by a signal leaves no `end`, and is found dead then.
// Env FAKE_CLAUDE_SCRIPT=<JSON object>: a prompt containing one of its keys also gets that key's directives (the
// value), so a test can type a natural prompt (a screenshot shows what a person would write) and still script the
// answer; the gateway passes it when CLAUDEGATE_CLI_ENV names it.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

// It claims to be the CLI version package.json pins, so a version bump stays one line there. Inside a sandbox
// the repository is out of sight (only the CLI's own folder is bound): the version is then "unknown".
const PINNED_VERSION = (() => {
  try {
    return JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")).dependencies["@anthropic-ai/claude-code"];
  } catch {
    return "unknown";
  }
})();
const DIRECTIVE_RE = /\[\[([a-z][a-z0-9-]*)(?::((?:(?!\]\])[\s\S])*))?\]\]/g;
const ALIASES = { haiku: "claude-haiku-4-5-20251001", sonnet: "claude-sonnet-5" };

const argv = process.argv.slice(2);
const modelArg = argv[argv.indexOf("--model") + 1];
const model = argv.includes("--model") ? (ALIASES[modelArg] ?? modelArg) : "claude-sonnet-5";
const sessionId = randomUUID();
const started = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hangForever = () => setInterval(() => {}, 1 << 30);
let costUsd = 0.00004;

async function out(obj) {
  const line = (typeof obj === "string" ? obj : JSON.stringify(obj)) + "\n";
  // Respect backpressure so [[flood]] measures the reader, not our memory.
  if (!process.stdout.write(line)) await new Promise((r) => process.stdout.once("drain", r));
}

let spanFile;
let promptText = "";
let livesFile;
function exit(code) {
  if (spanFile) fs.appendFileSync(spanFile, JSON.stringify({ start: started, end: Date.now(), stdin: promptText }) + "\n");
  if (livesFile) fs.appendFileSync(livesFile, `end ${process.pid} ${Date.now()}\n`);
  process.stdout.write("", () => process.exit(code));
}

const base = () => ({ session_id: sessionId, uuid: randomUUID() });
const event = (ev) => out({ type: "stream_event", event: ev, parent_tool_use_id: null, ...base() });

async function init() {
  await out({
    type: "system", subtype: "init", cwd: process.cwd(), ...base(), tools: [], mcp_servers: [], model,
    permissionMode: "default", slash_commands: [], apiKeySource: "ANTHROPIC_API_KEY",
    claude_code_version: PINNED_VERSION, output_style: "default", agents: [], skills: [], plugins: [], fast_mode_state: "off",
  });
  await out({ type: "system", subtype: "status", status: "requesting", ...base() });
}

function usage(outputTokens) {
  return {
    input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens,
    server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 }, service_tier: "standard",
  };
}

let structuredOutput;
function result(text, { isError = false, apiStatus = null, outputTokens = 1 } = {}) {
  return out({
    ...(structuredOutput === undefined ? {} : { structured_output: structuredOutput }),
    type: "result", subtype: "success", is_error: isError, api_error_status: apiStatus,
    duration_ms: Date.now() - started, duration_api_ms: Math.max(0, Date.now() - started - 5), num_turns: 1,
    result: text, stop_reason: isError ? "stop_sequence" : "end_turn", session_id: sessionId,
    total_cost_usd: isError ? 0 : costUsd, usage: usage(isError ? 0 : outputTokens),
    modelUsage: { [model]: { inputTokens: 10, outputTokens, costUSD: 0.00004, contextWindow: 200000 } },
    permission_denials: [], terminal_reason: "completed", fast_mode_state: "off", uuid: randomUUID(),
  });
}

async function streamStart() {
  await event({
    type: "message_start",
    message: { id: "msg_fake", type: "message", role: "assistant", model, content: [], stop_reason: null,
      stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } },
  });
  await event({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
}

const delta = (text) => event({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } });

/** A whole successful turn, shaped like the real capture (assistant line before content_block_stop). */
async function turn(deltas, { delayMs = 0, garbage = false } = {}) {
  await streamStart();
  for (let i = 0; i < deltas.length; i++) {
    if (i > 0 && delayMs > 0) await sleep(delayMs);
    await delta(deltas[i]);
    if (garbage) await out(i % 2 ? "{not json at all" : "garbage line: <<<>>>");
  }
  const text = deltas.join("");
  await out({
    type: "assistant", parent_tool_use_id: null, ...base(),
    message: { id: "msg_fake", type: "message", role: "assistant", model, content: [{ type: "text", text }],
      stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: deltas.length } },
  });
  if (garbage) await out("");
  await event({ type: "content_block_stop", index: 0 });
  await event({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: deltas.length } });
  await event({ type: "message_stop" });
  if (garbage) await out("Error: something printed to stdout that is not JSON");
  return text;
}

async function spawnGrandchild() {
  // Same process group (not detached), inherits our stdout, so the pipe stays open after we exit.
  const child = spawn("sleep", ["600"], { stdio: ["ignore", "inherit", "inherit"] });
  child.unref();
  await out({ type: "system", subtype: "fake_grandchild", pid: child.pid, ...base() });
}

/** Each attempt's outcome: "ESCAPED: ..." when it got through, "blocked: <why>" when it did not. */
function probeEscape({ secret, gatewayPid, files = [], dirs = [], signals = [] }) {
  const report = {};
  const attempt = (name, fn) => {
    try {
      const got = fn();
      report[name] = got === false ? "blocked: no secret in it" : `ESCAPED: ${String(got).slice(0, 80)}`;
    } catch (err) {
      report[name] = `blocked: ${err.code ?? err.message}`;
    }
  };
  const environHasSecret = (pid) => fs.readFileSync(`/proc/${pid}/environ`, "latin1").includes(secret) && `secret in /proc/${pid}/environ`;
  attempt("ppid-environ", () => environHasSecret(process.ppid));
  attempt("gateway-environ", () => environHasSecret(gatewayPid));
  attempt("any-environ", () => {
    for (const pid of fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
      try {
        if (environHasSecret(pid)) return `secret in /proc/${pid}/environ`;
      } catch {
        /* not readable: keep looking */
      }
    }
    return false;
  });
  for (const file of files) attempt(`read ${file}`, () => `${fs.readFileSync(file).length} bytes`);
  for (const dir of dirs) attempt(`list ${dir}`, () => fs.readdirSync(dir).join(","));
  for (const sig of signals) attempt(`kill ${sig} gateway`, () => (process.kill(gatewayPid, sig === "0" ? 0 : sig), "delivered"));
  return report;
}

/** FAKE_CLAUDE_LIVES: records our start, and any earlier run of our job still alive (see the header). */
function recordLife(dir) {
  const jobId = process.env.CG_JOB_ID ?? "no-job";
  livesFile = path.join(dir, jobId);
  fs.appendFileSync(livesFile, `start ${process.pid} ${started} ${process.env.CG_GATEWAY_PID ?? ""}\n`);
  const lines = fs.readFileSync(livesFile, "utf8").split("\n").map((l) => l.split(" "));
  const ended = new Set(lines.filter(([kind]) => kind === "end").map(([, pid]) => pid));
  for (const [kind, pid] of lines) {
    if (kind === "start" && pid !== String(process.pid) && !ended.has(pid) && aliveInJob(pid, jobId)) {
      fs.appendFileSync(livesFile, `overlap ${pid} ${process.pid}\n`);
    }
  }
}

/** Whether `pid` is a running (not zombie) process of job `jobId`: a reused pid belongs to another process. */
function aliveInJob(pid, jobId) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return false;
    return fs.readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`CG_JOB_ID=${jobId}`);
  } catch {
    return false; // gone
  }
}

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

async function main() {
  if (process.env.FAKE_CLAUDE_LIVES) recordLife(process.env.FAKE_CLAUDE_LIVES);
  const prompt = await readStdin();
  if (process.env.FAKE_CLAUDE_LOG) {
    const entry = { argv, env: process.env, cwd: process.cwd(), stdin: prompt, at: Date.now() };
    const spFile = argv.includes("--system-prompt-file") ? argv[argv.indexOf("--system-prompt-file") + 1] : undefined;
    if (spFile) {
      entry.systemPrompt = fs.readFileSync(spFile, "utf8");
      entry.systemPromptMode = (fs.statSync(spFile).mode & 0o777).toString(8);
    }
    for (const [flag, key] of [["--mcp-config", "mcpConfig"], ["--append-system-prompt-file", "appendSystemPrompt"]]) {
      if (argv.includes(flag)) entry[key] = fs.readFileSync(argv[argv.indexOf(flag) + 1], "utf8");
    }
    fs.appendFileSync(process.env.FAKE_CLAUDE_LOG, JSON.stringify(entry) + "\n");
  }
  const d = {};
  for (const m of (prompt + scripted(prompt)).matchAll(DIRECTIVE_RE)) d[m[1]] = m[2] ?? true;
  promptText = prompt;
  if (typeof d.span === "string") spanFile = d.span;
  if (typeof d.structured === "string") structuredOutput = JSON.parse(d.structured);
  if (typeof d["pid-file"] === "string") fs.writeFileSync(d["pid-file"], String(process.pid));
  if (d["ignore-term"]) process.on("SIGTERM", () => {});
  if (typeof d.cost === "string") costUsd = Number(d.cost);

  await init();
  for (let i = 1; i <= Number(d["api-retry"] ?? 0); i++) {
    await out({ type: "system", subtype: "api_retry", attempt: i, max_retries: 10, retry_delay_ms: 0, error_status: 529, error: "overloaded", ...base() });
  }
  if (d.crash) {
    process.stderr.write("boom on stderr\n");
    return exit(3);
  }
  if (d["crash-mid"]) {
    await streamStart();
    await delta("partial one ");
    await delta("partial two");
    return exit(1);
  }
  if (d["exit0-noresult"]) return exit(0);
  if (d.endless) {
    await streamStart();
    for (let i = 1; ; i++) await delta(`t${i} `);
  }
  if (d["stack-crash"]) {
    process.stderr.write(
      "file:///home/deploy/app/node_modules/cli.js:12\n" +
        "TypeError: Cannot read properties of undefined (reading 'x') in /home/deploy/.claude/settings.json\n" +
        "    at parse (/home/deploy/app/node_modules/cli.js:12:5)\n" +
        "    at main (file:///home/deploy/app/node_modules/cli.js:40:3)\n" +
        "    at node:internal/main/run_main_module:28:49\n",
    );
    return exit(1);
  }
  if (d.credentials) {
    const file = path.join(cliConfigDir(), ".credentials.json");
    let seen = "none";
    try {
      seen = String(JSON.parse(fs.readFileSync(file, "utf8")).claudeAiOauth.expiresAt);
    } catch {
      /* no credentials */
    }
    if (typeof d.credentials === "string") {
      fs.writeFileSync(`${file}.tmp`, JSON.stringify({ claudeAiOauth: { accessToken: "refreshed", expiresAt: Number(d.credentials) } }));
      fs.renameSync(`${file}.tmp`, file);
    }
    await result(`credentials expiring at ${seen}`);
    return exit(0);
  }
  if (typeof d["probe-escape"] === "string") {
    await result(JSON.stringify(probeEscape(JSON.parse(Buffer.from(d["probe-escape"], "base64url").toString("utf8")))));
    return exit(0);
  }
  if (d["spawn-hang"]) {
    await spawnGrandchild();
    return hangForever();
  }
  if (d.hang || d["ignore-term"]) return hangForever();
  if (d["api-error"]) {
    const code = Number(d["api-error"]);
    await result(`API Error: ${code} fake`, { isError: true, apiStatus: code });
    return exit(1);
  }
  // The account's usage limit: `[[usage-limit:EPOCH]]` always, `[[usage-limit-once:FILE]]` only on the first run
  // (FILE marks that it happened), so a requeued job can then succeed.
  const limitOnce = typeof d["usage-limit-once"] === "string" && !fs.existsSync(d["usage-limit-once"]);
  if (d["usage-limit"] || limitOnce) {
    if (limitOnce) fs.writeFileSync(d["usage-limit-once"], "hit");
    const reset = typeof d["usage-limit"] === "string" ? `|${d["usage-limit"]}` : "";
    await result(`Claude AI usage limit reached${reset}`, { isError: true, apiStatus: 429 });
    return exit(1);
  }
  if (d["error-exit0"]) {
    await result("Not logged in · Please run /login", { isError: true });
    return exit(0);
  }

  for (const [directive, make] of [
    ["write", (p, v) => (fs.mkdirSync(path.dirname(p), { recursive: true }), fs.writeFileSync(p, v))],
    ["symlink", (p, v) => fs.symlinkSync(v, p)],
  ]) {
    if (typeof d[directive] !== "string") continue;
    for (const item of d[directive].split(";")) {
      const eq = item.indexOf("=");
      make(path.join(process.cwd(), item.slice(0, eq)), item.slice(eq + 1));
    }
  }
  let deltas;
  if (d.ls) {
    deltas = [listFiles(process.cwd(), "").sort().join(" ") || "(empty)"];
  } else if (d["refresh-credentials"]) {
    const renewed = await refreshCredentials();
    if (renewed === undefined) return exit(4);
    deltas = [`renewed:${renewed}`];
  } else if (typeof d.reply === "string") deltas = d.reply.split("|");
  else if (d.bigline) deltas = ["x".repeat(Number(d.bigline))];
  else if (d.flood) {
    deltas = [];
    const piece = Number(d.piece) || 65536;
    for (let left = Number(d.flood); left > 0; left -= piece) deltas.push("x".repeat(Math.min(left, piece)));
  } else {
    const text = `fake: ${prompt.slice(0, 40)}`;
    const half = Math.ceil(text.length / 2);
    deltas = [text.slice(0, half), text.slice(half)];
  }
  if (typeof d.tool === "string") {
    const id = `toolu_${randomUUID().slice(0, 8)}`;
    await out({ type: "assistant", parent_tool_use_id: null, ...base(),
      message: { id: "msg_tool", type: "message", role: "assistant", model, stop_reason: "tool_use",
        content: [{ type: "tool_use", id, name: d.tool, input: { path: "x" } }] } });
    await out({ type: "user", parent_tool_use_id: null, ...base(),
      message: { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: `output of ${d.tool}`, is_error: d.tool.startsWith("fail") }] } });
  }
  const text = await turn(deltas, { delayMs: Number(d.delay) || 0, garbage: !!d["invalid-lines"] });

  if (d.daemon) spawn("sleep", ["600"], { detached: true, stdio: "ignore" }).unref();
  if (d.grandchild) await spawnGrandchild();
  await result(text, { outputTokens: deltas.length });
  if (d.linger) return setTimeout(() => exit(0), 10 * 60 * 1000);
  exit(0);
}

/** The directives FAKE_CLAUDE_SCRIPT gives this prompt. */
function scripted(prompt) {
  const script = JSON.parse(process.env.FAKE_CLAUDE_SCRIPT || "{}");
  return Object.entries(script).filter(([text]) => prompt.includes(text)).map(([, directives]) => directives).join("");
}

function listFiles(dir, prefix) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isSymbolicLink()) out.push(`${rel}@`);
    else if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), rel));
    else out.push(`${rel}:${fs.statSync(path.join(dir, e.name)).size}`);
  }
  return out;
}

/** Where the CLI keeps its configuration and credentials: CLAUDE_CONFIG_DIR, else ~/.claude. */
function cliConfigDir() {
  return process.env.CLAUDE_CONFIG_DIR || path.join(process.env.HOME ?? "", ".claude");
}

/** Renews the OAuth token as the CLI does: read, then rewrite the file in place (not atomically). */
async function refreshCredentials() {
  const dir = cliConfigDir();
  const credFile = path.join(dir, ".credentials.json");
  const stateFile = path.join(dir, ".claude.json");
  let creds;
  let state = {};
  try {
    creds = JSON.parse(fs.readFileSync(credFile, "utf8"));
    if (fs.existsSync(stateFile)) state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
  } catch (err) {
    process.stderr.write(`corrupt configuration: ${err.message}\n`);
    return undefined;
  }
  state.numStartups = (state.numStartups ?? 0) + 1;
  fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
  const expiresAt = creds.claudeAiOauth.expiresAt + 1 + Math.floor(Math.random() * 1000);
  creds.claudeAiOauth = { ...creds.claudeAiOauth, expiresAt, accessToken: `at-${expiresAt}`, refreshToken: `rt-${expiresAt}` };
  const text = JSON.stringify(creds);
  const fd = fs.openSync(credFile, "w", 0o600);
  fs.writeSync(fd, text.slice(0, text.length >> 1));
  await sleep(5);
  fs.writeSync(fd, text.slice(text.length >> 1));
  fs.closeSync(fd);
  return expiresAt;
}

main().catch((err) => {
  process.stderr.write(`fake-claude internal error: ${err?.stack ?? err}\n`);
  process.exit(70);
});
