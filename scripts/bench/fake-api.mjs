// A fake Anthropic Messages API on loopback for the REAL CLI (ANTHROPIC_BASE_URL=<url>), cut down from
// test/support/fake-anthropic.ts to what P1 needs: every main request gets the same fixed answer, streamed as
// text deltas (`[[reply:a|b|c]]` in the prompt picks them), and the CLI's session-title side request gets a title.
import http from "node:http";

const TITLE_MARK = "Generate a concise, sentence-case title";
const REPLY_RE = /\[\[reply:((?:(?!\]\])[\s\S])*)\]\]/;

function flatten(content) {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.filter((b) => b?.type === "text" && typeof b.text === "string").map((b) => b.text).join("\n");
}

function lastUserText(messages) {
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === "user") return flatten(messages[i].content);
  return "";
}

let seq = 0;

function message(model, text, outTokens) {
  return {
    id: `msg_bench_${++seq}`, type: "message", role: "assistant", model, content: [{ type: "text", text }],
    stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 10, output_tokens: outTokens },
  };
}

function answer(res, body, deltas) {
  const model = String(body.model ?? "");
  if (body.stream !== true) {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify(message(model, deltas.join(""), deltas.length)));
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": `req_bench_${seq}` });
  let out = "";
  const send = (type, data) => (out += `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const start = message(model, "", 1);
  send("message_start", { message: { ...start, content: [], stop_reason: null } });
  send("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
  for (const text of deltas) send("content_block_delta", { index: 0, delta: { type: "text_delta", text } });
  send("content_block_stop", { index: 0 });
  send("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: deltas.length } });
  send("message_stop", {});
  res.end(out);
}

/** Starts the fake API; `close()` ends it and every socket it holds. */
export async function startFakeApi() {
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST") {
        res.writeHead(200, { "content-type": "text/plain" });
        return res.end(req.method === "HEAD" ? undefined : "ok");
      }
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        res.writeHead(400, { "content-type": "application/json" });
        return res.end('{"type":"error","error":{"type":"invalid_request_error","message":"bad json"}}');
      }
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/v1/messages/count_tokens") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end('{"input_tokens":10}');
      }
      if (path !== "/v1/messages") {
        res.writeHead(404, { "content-type": "application/json" });
        return res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: `no ${path}` } }));
      }
      const system = flatten(body.system);
      const prompt = lastUserText(body.messages);
      const side = system.includes(TITLE_MARK) || /^\s*<session>/.test(prompt) || (typeof body.max_tokens === "number" && body.max_tokens <= 1);
      if (side) return answer(res, body, ['{"title":"Bench session"}']);
      const m = REPLY_RE.exec(prompt);
      answer(res, body, m ? m[1].split("|") : ["The answer ", "is ", "42."]);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
