// HTTP at the byte level, for requests no HTTP client will send: invalid UTF-8 in the path, NUL bytes, broken
// framing, 10 MB headers. One connection per request; usually only the status line is needed, so the socket is
// dropped as soon as it has arrived (an SSE stream would otherwise stay open as long as its job). A submit's
// answer is read whole (`readBody`), for the id of the job it created.
import { connect, type Socket } from "node:net";

export interface RawAnswer {
  /** The status code, or undefined when the connection ended without one. */
  status?: number;
  /** How the connection ended without a status: "reset", "closed", "timeout". */
  failure?: string;
  /** With `readBody`: everything after the status line's headers, as sent (still chunked if it was). */
  body?: string;
  ms: number;
}

export interface RawOptions {
  /** Give up (a failure "timeout") after this long without a status line. */
  timeoutMs?: number;
  /** Write the request in pieces, pausing between them (slow loris). */
  dribble?: { pieceBytes: number; pauseMs: number };
  /** Keep reading after the status line until the server closes (only for requests sent with Connection: close). */
  readBody?: boolean;
}

export function rawRequest(port: number, request: Buffer, opts: RawOptions = {}): Promise<RawAnswer> {
  return statusOf(port, opts.timeoutMs ?? 10_000, true, !!opts.readBody, async (sock, settled) => {
    if (!opts.dribble) {
      sock.write(request);
      return;
    }
    for (let i = 0; i < request.length && !settled(); i += opts.dribble.pieceBytes) {
      sock.write(request.subarray(i, i + opts.dribble.pieceBytes));
      await new Promise((r) => setTimeout(r, opts.dribble!.pauseMs));
    }
  });
}

/** Writes a huge request in 64 KiB pieces, respecting backpressure, and stops as soon as the server answers. */
export function hugeRequest(port: number, head: string, fillBytes: number, tail: string, timeoutMs = 20_000): Promise<RawAnswer> {
  return statusOf(port, timeoutMs, false, false, async (sock, settled) => {
    sock.write(head);
    const piece = Buffer.alloc(65536, "a");
    for (let sent = 0; sent < fillBytes && !settled(); sent += piece.length) {
      if (!sock.write(piece)) await new Promise((r) => sock.once("drain", r));
    }
    if (!settled()) sock.write(tail);
  });
}

/**
 * Connects, lets `send` write the request, and settles with the status line the server answers, or with how
 * the connection ended without one. `strict`: anything else first on the wire is a "garbage answer".
 * `readBody`: after the status line, settles when the connection ends (or at the timeout) with what came.
 */
function statusOf(
  port: number,
  timeoutMs: number,
  strict: boolean,
  readBody: boolean,
  send: (sock: Socket, settled: () => boolean) => Promise<void>,
): Promise<RawAnswer> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    let got = "";
    let status: number | undefined;
    let settled = false;
    const settle = (a: Omit<RawAnswer, "ms">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ...a, ms: Date.now() - t0 });
    };
    // Once a status has arrived, the end of the connection is the end of the answer, however it ends.
    const ended = (failure: string) =>
      settle(status === undefined ? { failure } : { status, body: got.slice(got.indexOf("\r\n\r\n") + 4) });
    const timer = setTimeout(() => ended("timeout"), timeoutMs);
    sock.on("data", (d: Buffer) => {
      got += d.toString(readBody ? "utf8" : "latin1");
      if (status !== undefined) return;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      if (m) {
        status = Number(m[1]);
        if (!readBody) settle({ status });
      } else if (strict && (got.length > 64 || got.includes("\r\n"))) settle({ failure: `garbage answer ${JSON.stringify(got.slice(0, 40))}` });
    });
    sock.on("error", (err: NodeJS.ErrnoException) => ended(err.code === "ECONNRESET" || err.code === "EPIPE" ? "reset" : `error ${err.code}`));
    sock.on("close", () => ended("closed"));
    sock.on("connect", () => void send(sock, () => settled));
  });
}

/**
 * A client that sends a request and then never reads: it waits for the status line (so the server has begun
 * its answer), then stops reading, leaving the rest to pile up in the kernel's buffers and the server's.
 * End it with `sock.destroy()`.
 */
export function stalledRequest(port: number, request: string, timeoutMs = 30_000): Promise<{ sock: Socket; status: number }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let got = "";
    const timer = setTimeout(() => fail(new Error(`no status line in ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    };
    const onData = (d: Buffer) => {
      got += d.toString("latin1", 0, Math.min(d.length, 64));
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      if (!m) return;
      clearTimeout(timer);
      sock.off("data", onData);
      sock.pause();
      resolve({ sock, status: Number(m[1]) });
    };
    sock.on("data", onData);
    sock.on("error", fail);
    sock.on("connect", () => sock.write(request));
  });
}
