// Baseline servers, each run as its own process (so it has a whole event loop, like the gateway):
//   node bare-server.mjs json <bodyBytes>   answers every request 202 with a JSON body of that many bytes
//                                           after reading and parsing the request body (P2)
//   node bare-server.mjs sse                holds `GET /sse` streams; on IPC {t:"emit", chunks, interval}
//                                           writes the same stamped `chunk` frames the gateway would to every
//                                           stream, then a `result` frame, and ends them (P3 floor)
// Prints nothing; sends {t:"listening", port} over IPC.
import http from "node:http";

const [mode, arg] = process.argv.slice(2);
const stamp = () => (performance.timeOrigin + performance.now()).toFixed(3);

let server;
if (mode === "json") {
  const size = Number(arg);
  const head = '{"job_id":"00000000-0000-4000-8000-000000000000","status":"queued","pad":"';
  const body = head + "x".repeat(Math.max(0, size - head.length - 2)) + '"}';
  server = http.createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      try {
        JSON.parse(text);
      } catch {
        res.writeHead(400, { "Content-Type": "application/json" });
        return res.end('{"error":"invalid JSON body"}');
      }
      res.writeHead(202, { "Content-Type": "application/json", Location: "/api/v1/jobs/00000000-0000-4000-8000-000000000000" });
      res.end(body);
    });
  });
} else if (mode === "sse") {
  const streams = new Set();
  server = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no" });
    res.write("retry: 3000\n\n");
    streams.add(res);
    res.on("close", () => streams.delete(res));
  });
  process.on("message", async (m) => {
    if (m.t !== "emit") return;
    let text = "";
    const loopMs = [];
    for (let i = 0; i < m.chunks; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, m.interval));
      const t = `@${stamp()};`;
      text += t;
      const frame = `id: ${i + 2}\nevent: chunk\ndata: ${JSON.stringify({ job_id: "bare", text: t })}\n\n`;
      const t0 = performance.now();
      for (const res of streams) res.write(frame);
      // node:http corks the socket and writes on the next tick: time until those writes are done.
      await new Promise((r) => setImmediate(r));
      loopMs.push(performance.now() - t0);
    }
    const last = `id: ${m.chunks + 2}\nevent: result\ndata: ${JSON.stringify({ job_id: "bare", status: "completed", result: text, error: "" })}\n\n`;
    for (const res of streams) res.end(last);
    process.send({ t: "emitted", loopMs });
  });
} else {
  throw new Error(`unknown mode ${mode}`);
}

server.listen(0, "127.0.0.1", () => process.send({ t: "listening", port: server.address().port }));
process.on("disconnect", () => process.exit(0));
