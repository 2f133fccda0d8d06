// The production server entry (replaces Nitro's node-server entry): listens where CLAUDEGATE_LISTEN_ADDR says
// (port 0 included) once the gateway has booted, logs the real address, and shuts down on SIGTERM/SIGINT
// without leaving a CLI behind: running jobs go back to the queue for the next start.
import "#nitro-internal-pollyfills";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeListener } from "h3";
import { useNitroApp } from "nitropack/runtime/internal/app";
import { bootGateway, startWork, stopGateway, type Gateway } from "../gateway";
import type { ListenAddr } from "../config/listen-addr";
import { announce, log } from "../log";
import { startMetricsListener } from "../metrics/listener";

const nitroApp = useNitroApp();
void bootGateway().then(serve);

function serve(gateway: Gateway): void {
  const { config } = gateway;
  const server = createServer(toNodeListener(nitroApp.h3App));
  server.headersTimeout = 20_000; // slow-loris: headers must arrive promptly...
  server.requestTimeout = 30_000; // ...and a whole request body within 30 s (the original's ReadTimeout)
  server.keepAliveTimeout = 60_000; // the original's IdleTimeout
  // No response timeout: an SSE stream lives as long as its job.

  server.on("error", (err) => {
    process.stderr.write(`claudegate: cannot listen on ${config.listen.host ?? ""}:${config.listen.port}: ${err.message}\n`);
    process.exit(1);
  });
  server.listen({ host: config.listen.host, port: config.listen.port }, () => {
    const a = server.address() as AddressInfo;
    const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
    announce("claudegate listening", { addr: `${host}:${a.port}`, url: `http://${host}:${a.port}`, cli: config.claudePath });
    if (config.metricsListen) void serveMetrics(config.metricsListen);
    startWork(gateway);
    const gk = config.generatedKey;
    if (gk?.created) {
      process.stdout.write(`\nNo CLAUDEGATE_API_KEYS set: generated an API key (kept in ${gk.file}, mode 0600):\n\n    ${gk.value}\n\n`);
    } else if (gk) {
      log("info", "using the generated API key", { file: gk.file });
    }
  });
  process.on("SIGTERM", () => void shutdown(server, "SIGTERM"));
  process.on("SIGINT", () => void shutdown(server, "SIGINT"));
}

let metricsServer: Server | undefined;
async function serveMetrics(addr: ListenAddr): Promise<void> {
  const m = await startMetricsListener(addr, (err) => {
    process.stderr.write(`claudegate: cannot listen for metrics on ${addr.host}:${addr.port} (CLAUDEGATE_METRICS_ADDR): ${err.message}\n`);
    process.exit(1);
  });
  metricsServer = m.server;
  announce("metrics listening", { url: m.url });
}

let stopping = false;
async function shutdown(server: Server, signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log("info", "shutting down", { signal });
  server.close();
  metricsServer?.close();
  metricsServer?.closeAllConnections();
  await stopGateway();
  server.closeAllConnections(); // open SSE streams end here; their jobs went back to the queue
  process.exit(0);
}
