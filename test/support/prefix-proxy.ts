// A minimal reverse proxy that mounts the gateway under a path prefix (`/claude/...` → `/...`), as nginx's
// `location /claude/ { proxy_pass http://gateway/; }` would, streaming responses through (SSE included).
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface PrefixProxy {
  url: string;
  close(): Promise<void>;
}

export async function startPrefixProxy(prefix: string, target: string): Promise<PrefixProxy> {
  const server = http.createServer((req, res) => {
    if (!req.url?.startsWith(`${prefix}/`)) {
      res.writeHead(404).end("outside the prefix");
      return;
    }
    const upstream = http.request(new URL(req.url.slice(prefix.length), target), { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
