#!/usr/bin/env node
// Captures the real CLI's stream-json output against the fake Messages API (test/support/fake-anthropic.ts), for
// comparing two CLI versions when the pinned one moves (docs/cli-stream-json.md says what to look at).
//
//   node scripts/cli-captures.mjs OUT_DIR [CLAUDE_BINARY]
//
// CLAUDE_BINARY defaults to the pinned one in node_modules. Writes OUT_DIR/<scenario>.jsonl (stdout as is),
// OUT_DIR/<scenario>.meta.json (exit code, stderr, the HTTP requests the fake saw, files left under HOME) and
// OUT_DIR/shapes.txt (each scenario's line types and top-level fields), so `diff A/shapes.txt B/shapes.txt` shows
// what changed between two versions.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
const [outDir, bin = join(ROOT, "node_modules/@anthropic-ai/claude-code/bin/claude.exe")] = process.argv.slice(2);
if (!outDir) {
  console.error("usage: node scripts/cli-captures.mjs OUT_DIR [CLAUDE_BINARY]");
  process.exit(1);
}

const SCHEMA = JSON.stringify({ type: "object", properties: { n: { type: "number" } }, required: ["n"] });
const SCENARIOS = {
  // Default tools (no --tools): what the init line lists when the operator allows everything.
  plain: { args: [], prompt: "say hello [[reply:Hello|, |world]]" },
  "no-tools": { args: ["--tools", ""], prompt: "say hello [[reply:Hello|, |world]]" },
  "api-error": { args: ["--tools", ""], prompt: "fail please [[status:400]]" },
  "json-schema": { args: ["--tools", "", "--json-schema", SCHEMA], prompt: 'give n [[structured:{"n":42}]]' },
};

/** The fake is TypeScript; esbuild turns it into a module this script can import. */
async function loadFake(scratch) {
  const file = join(scratch, "fake-anthropic.mjs");
  await build({ entryPoints: [join(ROOT, "test/support/fake-anthropic.ts")], outfile: file, format: "esm", platform: "node", logLevel: "error" });
  return import(pathToFileURL(file).href);
}

/** Every request the CLI makes, probes included (the fake records only POST /v1/messages). */
function recordingProxy(target, seen) {
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const up = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

function runCli(args, prompt, env, cwd) {
  return new Promise((done, fail) => {
    const child = spawn(bin, ["-p", "--verbose", "--output-format", "stream-json", "--include-partial-messages", "--model", "haiku", ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      cwd,
      stdio: "pipe",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(prompt);
  });
}

/** One line's shape: its type/subtype (or stream event type) and its sorted top-level keys. */
function shape(line) {
  const kind = [line.type, line.subtype, line.event?.type, line.event?.delta?.type].filter(Boolean).join("/");
  return `${kind} {${Object.keys(line).sort().join(",")}}`;
}

const shapes = [];
const scratch = mkdtempSync(join(tmpdir(), "claudegate-captures-"));
try {
  mkdirSync(outDir, { recursive: true });
  const { startFakeAnthropic } = await loadFake(scratch);
  for (const [name, { args, prompt }] of Object.entries(SCENARIOS)) {
    const fake = await startFakeAnthropic();
    const seen = [];
    const proxy = await recordingProxy(fake.url, seen);
    const home = mkdtempSync(join(scratch, "home-"));
    const cwd = mkdtempSync(join(scratch, "cwd-"));
    const env = { HOME: home, ANTHROPIC_BASE_URL: `http://127.0.0.1:${proxy.address().port}`, ANTHROPIC_API_KEY: "test" };
    const r = await runCli(args, prompt, env, cwd);
    await new Promise((ok) => proxy.close(() => ok()));
    await fake.close();
    writeFileSync(join(outDir, `${name}.jsonl`), r.stdout);
    const requests = fake.requests.map((q) => ({ kind: q.kind, model: q.model, stream: q.stream, max_tokens: q.body.max_tokens, tools: (q.body.tools ?? []).map((t) => t.name), prompt: q.prompt.slice(0, 120), system: q.system.slice(0, 120) }));
    const meta = { args, prompt, exit_code: r.code, stderr: r.stderr, http: seen, requests, home_files: filesUnder(home) };
    writeFileSync(join(outDir, `${name}.meta.json`), `${JSON.stringify(meta, null, 2)}\n`);
    const lines = r.stdout.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    shapes.push(`## ${name} (exit ${r.code})`, ...lines.map((l) => `  ${shape(l)}`));
  }
  writeFileSync(join(outDir, "shapes.txt"), `${shapes.join("\n")}\n`);
  console.log(shapes.join("\n"));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
