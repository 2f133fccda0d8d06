// The key-less metrics listener (CLAUDEGATE_METRICS_ADDR): GET /metrics and nothing else, on its own address, as
// Prometheus scrapers expect. It is loopback unless the operator names another host.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ListenAddr } from "../config/listen-addr";
import { renderMetrics } from "./render";

export function startMetricsListener(addr: ListenAddr, onError: (err: Error) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") return void res.writeHead(404, { "Content-Type": "application/json" }).end('{"error":"not found"}');
    if (req.method !== "GET" && req.method !== "HEAD") {
      return void res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "application/json" }).end('{"error":"method not allowed"}');
    }
    renderMetrics().then(
      ({ contentType, text }) => res.writeHead(200, { "Content-Type": contentType, "Cache-Control": "no-store" }).end(req.method === "HEAD" ? undefined : text),
      (err: Error) => res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ error: `metrics failed: ${err.message}` })),
    );
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.on("error", onError);
    server.listen({ host: addr.host, port: addr.port }, () => {
      const a = server.address() as AddressInfo;
      const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
      resolve({ server, url: `http://${host}:${a.port}/metrics` });
    });
  });
}
