/**
 * Fake Anthropic Messages API for driving the REAL `claude` binary (the version package.json pins) on loopback:
 *   ANTHROPIC_BASE_URL=<fake.url> ANTHROPIC_API_KEY=anything HOME=<tmp dir>
 * Behaviour is scripted by directives inside the prompt, so parallel tests share no state:
 *   [[reply:a|b|c]] [[chunks:N]] [[bytes:N]] [[delay:MS]] [[hang]] [[hang-before]] [[status:CODE]] [[no-retry]]
 *   [[structured:JSON]] (with `--json-schema`: call the CLI's StructuredOutput tool with JSON as its input)
 * Default answer: `echo: <first 40 chars of prompt>` in 3 deltas.
 * `startFakeAnthropic({ script })`: a prompt containing one of the script's keys also gets that key's directives,
 * so a test can type a natural prompt (a screenshot shows what a person would write) and still script the answer.
 * What changed between CLI versions, and how to capture it again: docs/cli-stream-json.md.
 *
 * `--json-schema`: the CLI offers a tool `StructuredOutput` whose input_schema is the schema (also with `--tools ""`;
 * 2.1.332 adds a `DeferredToolPlaceholder` with `defer_loading: true` that is never to be called). A plain text answer
 * gets one user turn "[structured-output-enforce] You MUST call the StructuredOutput tool..." and, answered with text
 * again, a `success` result WITHOUT `structured_output`. Answered with a tool_use of StructuredOutput, the run ends
 * with that tool_result; the result line then carries `structured_output`.
 *
 * What the CLI sends (measured with 2.1.197 and 2.1.332, see docs/cli-stream-json.md):
 * - A probe first (`HEAD /` on 2.1.197, `HEAD /api/hello` on 2.1.332; any answer will do), then
 *   `POST /v1/messages?beta=true`, always `stream:true`.
 * - 2.1.197 also sent a session-title side request (before the main one, for prompts of >= 10 characters, not with
 *   env CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1): a system block "Generate a concise, sentence-case title ...",
 *   `output_config.format` (json_schema {title}), and the prompt wrapped in `<session>\n...\n</session>` — so it
 *   CONTAINS our directives. It is classified `kind:"side"` and always answered `{"title":"Fake session"}`, ignoring
 *   directives (else [[hang-before]] or [[status:400]] would also hit the title call). 2.1.332 sends no title request:
 *   one POST per model turn. Main requests carry `context_management`; `output_config` (effort) is no side marker.
 * - The main request's last user message is [<system-reminder> block with the date, the prompt block] (2.1.332 then
 *   appends a `role:"system"` message describing the environment). `prompt` drops blocks that are only a
 *   <system-reminder>, so it equals what the CLI got on stdin. `system` (string or blocks) is joined with "\n"; it
 *   starts with an "x-anthropic-billing-header: ..." block, then the SDK preamble, then the default prompt or the
 *   `--system-prompt` value. Aliases resolve in the CLI to full ids that change between versions (haiku was
 *   claude-haiku-4-5-20251001 on 2.1.197, claude-haiku-5-5 on 2.1.332). Every POST has `x-claude-code-session-id`
 *   = the session_id of the stream-json init line: `cliRuns` counts runs by it. `x-stainless-retry-count` stays "0"
 *   on the CLI's own retries.
 *
 * Error statuses (measured with this server; logic read from `strings` of bin/claude.exe):
 * - 400: no `api_retry`. Exit 1, result line `subtype:"success", is_error:true, api_error_status:400,
 *   result:"API Error: 400 fake error 400"`. (Same shape for every status once retries are exhausted.) 2.1.197 sent
 *   one POST; 2.1.332 sends the same request again up to twice, each time without one more optional beta header
 *   (its fallback for a server that refuses a beta), so one run makes 3 POSTs.
 * - 401, 429, 500, 529 (and 408, 409, any 5xx): retried. Default max_retries is 10; env CLAUDE_CODE_MAX_RETRIES
 *   (integer >= 0, clamped to 15) bounds it; each retry emits a stream-json line
 *   `{"type":"system","subtype":"api_retry","attempt":N,"max_retries":M,"retry_delay_ms":..,"error_status":..}`.
 *   Delay = max(retry-after*1000, min(500*2^(attempt-1), 32000) * (1..1.25)), so `retry-after: 0` does NOT speed it
 *   up; measured: the default 10 retries took 190 s (11 POSTs). A retry-after over 60 s makes it give up at once.
 *   With CLAUDE_CODE_MAX_RETRIES=2: 3 POSTs, ~1.7 s, exit 1. With =0: 1 POST, immediate.
 * - Response header `x-should-retry: false` makes the CLI give up at once for 401/429/500/529 (1 POST, exit 1):
 *   that is the [[no-retry]] directive, the easy way to get a fast non-400 failure without touching the env.
 * - 529 "Repeated 529 Overloaded" early-abort (after 3) only applies with a fallback model / certain accounts;
 *   with an API key and sonnet it simply used all retries.
 * - Result text varies: 401 "Failed to authenticate. API Error: 401 ...", 429 "API Error: Request rejected (429) ·
 *   ...", 5xx/529 "API Error: 500 ... This is a server-side issue ...".
 * - Every API failure also emits a synthetic `assistant` line before the `result`.
 * - A socket dropped mid-stream (close() during [[hang]]) is retried like a 5xx (`api_retry` with error_status null,
 *   error "unknown"); once the server is gone the result is "API Error: Unable to connect to API (ConnectionRefused)", exit 1.
 * - Stalls: the CLI's stream-idle timeout, where it applies, is max(CLAUDE_STREAM_IDLE_TIMEOUT_MS, 300 s) — env can
 *   only raise it — so [[hang]] / [[hang-before]] look like a hung CLI to the gateway for at least 5 minutes.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface FakeRequest {
  model: string;
  system: string;
  prompt: string;
  stream: boolean;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  kind: "main" | "side";
  /** The parsed JSON body, for assertions the fields above do not cover. */
  body: any;
}

export interface FakeAnthropic {
  url: string;
  /** Every POST /v1/messages in arrival order (HEAD/GET probes are not recorded). */
  requests: FakeRequest[];
  close(): Promise<void>;
}

/** How many CLI runs made these requests (each run has its own `x-claude-code-session-id`). */
export function cliRuns(requests: readonly FakeRequest[]): number {
  return new Set(requests.map((r) => String(r.headers["x-claude-code-session-id"] ?? ""))).size;
}

export interface Directives {
  reply?: string;
  chunks?: number;
  bytes?: number;
  delay?: number;
  hang?: boolean;
  hangBefore?: boolean;
  status?: number;
  noRetry?: boolean;
  structured?: string;
}

/** `[[name]]` or `[[name:arg]]`; arg may contain anything but `]]`. */
const DIRECTIVE_RE = /\[\[([a-z][a-z0-9-]*)(?::((?:(?!\]\])[\s\S])*))?\]\]/g;

export function parseDirectives(text: string): Directives {
  const d: Directives = {};
  for (const m of text.matchAll(DIRECTIVE_RE)) {
    const [, name, arg = ""] = m;
    const num = Number(arg);
    if (name === "reply") d.reply = arg;
    else if (name === "chunks") d.chunks = num;
    else if (name === "bytes") d.bytes = num;
    else if (name === "delay") d.delay = num;
    else if (name === "hang") d.hang = true;
    else if (name === "hang-before") d.hangBefore = true;
    else if (name === "status") d.status = num;
    else if (name === "no-retry") d.noRetry = true;
    else if (name === "structured") d.structured = arg;
  }
  return d;
}

/** The text deltas the main answer is made of. */
export function plannedDeltas(d: Directives, prompt: string): string[] {
  if (d.reply !== undefined) return d.reply.split("|");
  if (d.chunks !== undefined) return Array.from({ length: d.chunks }, (_, i) => `c${i + 1} `);
  if (d.bytes !== undefined) {
    const out: string[] = [];
    for (let left = d.bytes; left > 0; left -= 16384) out.push("x".repeat(Math.min(left, 16384)));
    return out;
  }
  const text = `echo: ${prompt.slice(0, 40)}`;
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)];
}

function flatten(content: unknown, dropReminders = false): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((b) => b && b.type === "text" && typeof b.text === "string")
    .map((b) => b.text as string)
    .filter((t) => !(dropReminders && /^\s*<system-reminder>[\s\S]*<\/system-reminder>\s*$/.test(t)))
    .join(dropReminders ? "" : "\n");
}

function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === "user") return flatten(messages[i].content, true);
  }
  return "";
}

const TITLE_MARK = "Generate a concise, sentence-case title";

function classify(body: any, system: string, prompt: string): "main" | "side" {
  if (system.includes(TITLE_MARK) || /^\s*<session>/.test(prompt)) return "side";
  if (typeof body.max_tokens === "number" && body.max_tokens <= 1) return "side"; // quota probes of some CLIs
  return "main";
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

let msgSeq = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function messageJson(model: string, text: string, outTokens: number) {
  return {
    id: `msg_fake_${++msgSeq}`,
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: outTokens },
  };
}

/** Writes the SSE answer; stops quietly when the client goes away. `hang` stops after the first delta. */
async function streamAnswer(res: http.ServerResponse, model: string, deltas: string[], delay: number, hang: boolean) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": `req_fake_${msgSeq}` });
  const send = (type: string, data: object) => {
    if (!res.destroyed) res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  const start = messageJson(model, "", 1);
  send("message_start", { message: { ...start, content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1 } } });
  send("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
  for (let i = 0; i < deltas.length; i++) {
    if (i > 0 && delay > 0) await sleep(delay);
    if (res.destroyed) return;
    send("content_block_delta", { index: 0, delta: { type: "text_delta", text: deltas[i] } });
    if (hang) return; // socket stays open until the client or close() ends it
  }
  send("content_block_stop", { index: 0 });
  send("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: deltas.length } });
  send("message_stop", {});
  res.end();
}

const STRUCTURED_TOOL = "StructuredOutput";

/** A turn that calls one tool with `inputJson` as its input (streamed as one input_json_delta). */
function answerToolUse(res: http.ServerResponse, req: FakeRequest, name: string, inputJson: string) {
  const id = `toolu_fake_${++msgSeq}`;
  const message = { ...messageJson(req.model, "", 1), stop_reason: "tool_use" };
  if (!req.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ ...message, content: [{ type: "tool_use", id, name, input: JSON.parse(inputJson) }] }));
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const send = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send("message_start", { message: { ...message, content: [], stop_reason: null } });
  send("content_block_start", { index: 0, content_block: { type: "tool_use", id, name, input: {} } });
  send("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: inputJson } });
  send("content_block_stop", { index: 0 });
  send("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 1 } });
  send("message_stop", {});
  res.end();
}

async function answerMessages(req: FakeRequest, res: http.ServerResponse, script: Record<string, string>) {
  if (req.kind === "side") {
    const text = '{"title":"Fake session"}';
    if (req.stream) return streamAnswer(res, req.model, [text], 0, false);
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify(messageJson(req.model, text, 5)));
  }
  const d = parseDirectives(req.prompt + scripted(script, req.prompt));
  if (d.hangBefore) return; // never answer; close() destroys the socket
  if (d.status) {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (d.status === 429 || d.status === 529) headers["retry-after"] = "0";
    if (d.noRetry) headers["x-should-retry"] = "false";
    res.writeHead(d.status, headers);
    const type = ERROR_TYPES[d.status] ?? "api_error";
    return res.end(JSON.stringify({ type: "error", error: { type, message: `fake error ${d.status}` } }));
  }
  if (d.structured !== undefined && Array.isArray(req.body.tools) && req.body.tools.some((t: any) => t?.name === STRUCTURED_TOOL)) {
    return answerToolUse(res, req, STRUCTURED_TOOL, d.structured);
  }
  const deltas = plannedDeltas(d, req.prompt);
  if (req.stream) return streamAnswer(res, req.model, deltas, d.delay ?? 0, !!d.hang);
  if (d.hang) return; // a non-streaming answer cannot be half-sent: just never answer
  if (d.delay) await sleep(d.delay * Math.max(0, deltas.length - 1));
  if (res.destroyed) return;
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(messageJson(req.model, deltas.join(""), deltas.length)));
}

/** The directives `script` gives this prompt. */
function scripted(script: Record<string, string>, prompt: string): string {
  return Object.entries(script)
    .filter(([text]) => prompt.includes(text))
    .map(([, directives]) => directives)
    .join("");
}

export async function startFakeAnthropic({ script = {} }: { script?: Record<string, string> } = {}): Promise<FakeAnthropic> {
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      if (req.method !== "POST") {
        res.writeHead(200, { "content-type": "text/plain" });
        return res.end(req.method === "HEAD" ? undefined : "ok");
      }
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        res.writeHead(400, { "content-type": "application/json" });
        return res.end(JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "bad json" } }));
      }
      const pathname = path.split("?")[0];
      if (pathname === "/v1/messages/count_tokens") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ input_tokens: 10 }));
      }
      if (pathname !== "/v1/messages") {
        res.writeHead(404, { "content-type": "application/json" });
        return res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: `no ${pathname}` } }));
      }
      const system = flatten(body.system);
      const prompt = lastUserText(body.messages);
      const rec: FakeRequest = {
        model: String(body.model ?? ""),
        system,
        prompt,
        stream: body.stream === true,
        path,
        headers: { ...req.headers },
        kind: classify(body, system, prompt),
        body,
      };
      requests.push(rec);
      answerMessages(rec, res, script).catch(() => res.destroy());
    });
  });
  // A CLI reuses its connections between requests; a server closing an idle one at Node's default 5 s can meet the
  // CLI's next request on it (ECONNRESET) and make it retry, which a test then sees as a `retrying` status. The
  // real API keeps idle connections far longer.
  server.keepAliveTimeout = 120_000;
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy(); // hung and keep-alive sockets would otherwise keep close() waiting
      }),
  };
}
