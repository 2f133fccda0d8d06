#!/usr/bin/env node
// Scripted stand-in for `claude -p --verbose --output-format stream-json --include-partial-messages ...` used by
// the benchmark (CLAUDEGATE_CLAUDE_PATH points here). Reads the prompt from stdin until EOF, like the real CLI
// under the gateway, then follows directives in it:
//   [[go:PATH]]        after the init line, wait until the file PATH exists (so every SSE client can
//                      subscribe before the first chunk is written)
//   [[chunks:N]]       N stream_event text_delta lines whose text is `@<wall clock ms>;` stamped right before
//                      the line is written (performance.timeOrigin + performance.now(): sub-ms, comparable
//                      across processes); default 3
//   [[interval:MS]]    wait MS between chunks (default 20)
//   [[hang]]           init line, then silence until killed (holds the gateway's only CLI slot)
//   [[flood:N]]        instead of stamped chunks: N bytes of "x" as fast as the pipe takes them, in deltas of
//                      [[piece:B]] bytes (default 65536); the result repeats them (M1's largest responses)
//   [[capture:PATH]]   write {argv, env, cwd, systemPrompt} of this run to PATH as JSON (P1 reuses the gateway's
//                      exact invocation for its direct-CLI baseline; the --system-prompt-file goes with its run's
//                      folder, so its text is kept), then answer normally
// The lines follow the real CLI's format (see docs/cli-stream-json.md and test/fixtures/cli-*-stream-json-sample.jsonl).
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

// It claims to be the CLI version package.json pins, so a version bump stays one line there.
const PINNED_VERSION = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).dependencies["@anthropic-ai/claude-code"];

const DIRECTIVE_RE = /\[\[([a-z][a-z0-9-]*)(?::((?:(?!\]\])[\s\S])*))?\]\]/g;
const sessionId = randomUUID();
const started = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stamp = () => (performance.timeOrigin + performance.now()).toFixed(3);
const line = (obj) => process.stdout.write(JSON.stringify(obj) + "\n"); // a pipe: written synchronously on Linux
const base = () => ({ session_id: sessionId, uuid: randomUUID() });
const streamEvent = (event) => line({ type: "stream_event", event, parent_tool_use_id: null, ...base() });

let prompt = "";
process.stdin.setEncoding("utf8");
for await (const d of process.stdin) prompt += d;

const d = {};
for (const [, name, arg = ""] of prompt.matchAll(DIRECTIVE_RE)) d[name] = arg;

if (d.capture) {
  const argv = process.argv.slice(2);
  const spFile = argv.includes("--system-prompt-file") ? argv[argv.indexOf("--system-prompt-file") + 1] : undefined;
  const systemPrompt = spFile ? readFileSync(spFile, "utf8") : undefined;
  writeFileSync(d.capture, JSON.stringify({ argv, env: process.env, cwd: process.cwd(), systemPrompt }));
}

line({
  type: "system", subtype: "init", cwd: process.cwd(), ...base(), tools: [], mcp_servers: [], model: "claude-haiku-4-5-20251001",
  permissionMode: "default", apiKeySource: "ANTHROPIC_API_KEY", claude_code_version: PINNED_VERSION, output_style: "default",
});
line({ type: "system", subtype: "status", status: "requesting", ...base() });

if ("hang" in d) {
  setInterval(() => {}, 1 << 30);
} else {
  if (d.go) while (!existsSync(d.go)) await sleep(2);
  const n = d.chunks === undefined ? 3 : Number(d.chunks);
  const interval = d.interval === undefined ? 20 : Number(d.interval);
  const message = { id: "msg_bench", type: "message", role: "assistant", model: "claude-haiku-4-5-20251001", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } };
  streamEvent({ type: "message_start", message });
  streamEvent({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
  let text = "";
  if (d.flood) {
    const piece = Number(d.piece) || 65536;
    for (let left = Number(d.flood); left > 0; left -= piece) {
      const t = "x".repeat(Math.min(left, piece));
      text += t;
      streamEvent({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: t } });
    }
  }
  for (let i = 0; i < (d.flood ? 0 : n); i++) {
    if (i > 0 && interval > 0) await sleep(interval);
    const t = `@${stamp()};`;
    text += t;
    streamEvent({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: t } });
  }
  line({ type: "assistant", message: { ...message, content: [{ type: "text", text }] }, parent_tool_use_id: null, ...base() });
  streamEvent({ type: "content_block_stop", index: 0 });
  streamEvent({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: n } });
  streamEvent({ type: "message_stop" });
  line({
    type: "result", subtype: "success", is_error: false, api_error_status: null, duration_ms: Date.now() - started,
    num_turns: 1, result: text, stop_reason: "end_turn", session_id: sessionId, total_cost_usd: 0,
    usage: { input_tokens: 10, output_tokens: n }, terminal_reason: "completed", uuid: randomUUID(),
  });
  process.stdout.write("", () => process.exit(0));
}
