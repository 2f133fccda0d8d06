// SSE readers in their own process (so the gateway's event loop is not shared with them), driven over IPC.
// Each reader is a raw TCP socket that sends one `GET` and scans what comes back for SSE frames: far cheaper per
// event than node:http's client, so the harness adds as little as it can to the latency it measures.
//   {t:"open", urls, headers, connectConcurrency}  opens one connection per URL; answers
//                                                  {t:"ready", open, failed} once every one has its 200 or failed
//   {t:"report", latencies?}  answers {t:"report", open, closed, minPings, chunks, results, latencies?}
//   {t:"close"}               destroys every connection, answers {t:"closed"} and exits
// Latency of a `chunk` frame = this process's wall clock when the bytes arrive minus the `@<ms>;` stamp in its
// text. Once every stream has had its `result` frame the process also sends {t:"done", ...report} by itself.
import net from "node:net";

const conns = [];
const latencies = [];
let results = 0;
let chunks = 0;
let expected = 0;
const STAMP = /"text":"@(\d+\.\d+);"/;

function open(url, headers) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const c = { socket: undefined, pings: 0, open: false, closed: false };
    conns.push(c);
    const socket = (c.socket = net.connect({ host: u.hostname, port: Number(u.port) }));
    let head = true;
    let buf = "";
    const settle = (ok) => {
      if (c.settled) return;
      c.settled = true;
      resolve(ok);
    };
    socket.setEncoding("latin1");
    socket.setNoDelay(true);
    socket.on("connect", () => {
      const lines = [`GET ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, "Accept: text/event-stream"];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      socket.write(lines.join("\r\n") + "\r\n\r\n");
    });
    socket.on("data", (text) => {
      const now = performance.timeOrigin + performance.now();
      buf += text;
      if (head) {
        const end = buf.indexOf("\r\n\r\n");
        if (end === -1) return;
        if (!buf.startsWith("HTTP/1.1 200")) {
          socket.destroy();
          return settle(false);
        }
        head = false;
        c.open = true;
        buf = buf.slice(end + 4);
        settle(true);
      }
      // Chunked transfer encoding puts `<hex>\r\n` before each write (one whole frame): harmless to the scan.
      let end;
      while ((end = buf.indexOf("\n\n")) !== -1) {
        const frame = buf.slice(0, end);
        buf = buf.slice(end + 2);
        if (frame.includes("event: chunk\n")) {
          chunks++;
          const m = STAMP.exec(frame);
          if (m) latencies.push(now - Number(m[1]));
        } else if (frame.includes("event: result\n")) {
          results++;
          if (results === expected) process.send({ t: "done", ...report() });
        } else if (frame.includes(": ping")) c.pings++;
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      c.open = false;
      c.closed = true;
      settle(false);
    });
  });
}

function report() {
  const live = conns.filter((c) => c.open);
  return {
    open: live.length,
    closed: conns.filter((c) => c.closed).length,
    minPings: live.length ? Math.min(...live.map((c) => c.pings)) : 0,
    chunks,
    results,
    latencies,
  };
}

process.on("message", async (m) => {
  if (m.t === "open") {
    expected = m.urls.length;
    let next = 0;
    let ok = 0;
    const worker = async () => {
      while (next < m.urls.length) {
        const url = m.urls[next++];
        if (await open(url, m.headers)) ok++;
      }
    };
    await Promise.all(Array.from({ length: m.connectConcurrency ?? 50 }, worker));
    process.send({ t: "ready", open: ok, failed: m.urls.length - ok });
  } else if (m.t === "report") {
    const r = report();
    process.send({ t: "report", ...r, latencies: m.latencies ? r.latencies : undefined });
  } else if (m.t === "close") {
    for (const c of conns) c.socket?.destroy();
    process.send({ t: "closed" }, () => process.exit(0));
  }
});
process.on("disconnect", () => process.exit(0));
