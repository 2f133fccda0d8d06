// A webhook receiver on a loopback address, answering from a script, recording what it got.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Answer {
  status: number;
  delayMs?: number;
  headers?: Record<string, string>;
}

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/**
 * `answers[i]` answers the i-th request; the last one answers all later ones. A function answers each request
 * from what came before it (e.g. per webhook-id, when several deliveries arrive interleaved).
 */
export async function startReceiver(
  host: string,
  answers: Answer[] | ((got: Received, before: readonly Received[]) => Answer) = [{ status: 200 }],
): Promise<Receiver> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const got = { headers: req.headers, body, at: Date.now() };
      const answer = typeof answers === "function" ? answers(got, received) : answers[Math.min(received.length, answers.length - 1)]!;
      received.push(got);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(answer.status, answer.headers).end();
      }, answer.delayMs ?? 0);
    });
  });
  server.on("connection", (s) => (sockets.add(s), s.on("close", () => sockets.delete(s))));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/hook`,
    received,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
