// Writing a large response without buffering it: each piece goes out once the connection has taken the one
// before (Node's 'drain'), so what the server holds for a connection that reads slowly, or not at all, is one
// piece, however large the whole. Large stored texts (a 10 MiB result, a 1 MiB prompt) are read from the
// database in slices of SLICE_CHARS for the same reason.
import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * Characters of a large text read and written at a time. SQLite reads the whole value for every substr(), so
 * a smaller slice costs CPU (a 10 MiB text: ~0.9 s in 64 Ki slices, ~0.25 s in 256 Ki, measured here); a
 * larger one costs memory per connection that stops reading.
 */
export const SLICE_CHARS = 256 * 1024;
/** Texts up to this many characters are read whole; longer ones in slices. */
export const INLINE_CHARS = SLICE_CHARS;

/** Who waits on each connection's close: one listener per connection, however many responses wait on it. */
const closeWatchers = new WeakMap<Socket, Set<() => void>>();

function onConnectionClose(conn: Socket, fn: () => void): void {
  let set = closeWatchers.get(conn);
  if (!set) {
    closeWatchers.set(conn, (set = new Set()));
    conn.once("close", () => {
      for (const f of [...set!]) f();
    });
  }
  set.add(fn);
}

/** Resolves true once `res` can take more, false if the connection has closed first. */
export function drained(res: ServerResponse): Promise<boolean> {
  // A response queued behind others on a pipelined connection waits for its turn like for a drain, but gets no
  // 'close' of its own if the connection goes meanwhile: the connection's is watched too.
  const conn = res.req.socket;
  if (res.destroyed || res.writableEnded || conn.destroyed) return Promise.resolve(false);
  if (!res.writableNeedDrain) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off("drain", onReady);
      res.off("close", onClose);
      closeWatchers.get(conn)?.delete(onClose);
      resolve(ok);
    };
    const onReady = () => done(true);
    const onClose = () => done(false);
    res.on("drain", onReady);
    res.on("close", onClose);
    onConnectionClose(conn, onClose);
  });
}

/** Sends the status and headers; false for a HEAD request, which is then answered (the body would be read for nothing). */
export function startBody(res: ServerResponse, headers: Record<string, string>): boolean {
  res.writeHead(200, headers);
  if (res.req.method !== "HEAD") return true;
  res.end();
  return false;
}

/** Writes `text`, then waits until the connection has room again; false if it has closed. */
export async function send(res: ServerResponse, text: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false;
  return res.write(text) ? true : drained(res);
}

/**
 * Writes a stored text of `length` characters read by `read(start, count)` (1-based, as SQL's substr) in
 * slices, each passed through `encode`. "gone" when a slice cannot be read (its row was deleted meanwhile).
 */
export async function sendSlices(
  res: ServerResponse,
  length: number,
  read: (start: number, count: number) => Promise<string | undefined>,
  encode: (slice: string) => string = (s) => s,
): Promise<"ok" | "closed" | "gone"> {
  for (let start = 1; start <= length; start += SLICE_CHARS) {
    const slice = await read(start, SLICE_CHARS);
    if (slice === undefined) return "gone";
    if (!(await send(res, encode(slice)))) return "closed";
  }
  return "ok";
}

/**
 * Whether a paced write went through. One whose row was deleted mid-write ("gone") drops the connection: a
 * truncated body rather than a wrong one.
 */
export function written(res: ServerResponse, r: "ok" | "closed" | "gone"): boolean {
  if (r === "gone") res.destroy();
  return r === "ok";
}
