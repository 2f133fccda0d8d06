// Shared by the API contract tests (test/e2e/api-*.test.ts): gateways started once per file, raw requests with
// exactly the headers given, strict error-body checks, and helpers to watch the fake CLI's process.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, beforeAll, expect } from "vitest";
import { API_KEY, GatewayProcess, waitUntil } from "./gateway-process";
import { isAlive } from "./processes";

/**
 * Starts one gateway per entry (all at once, so their start-up costs overlap) before the file's tests, and
 * stops them and removes pid files after.
 */
export function useGateways<K extends string>(specs: Record<K, Record<string, string>>): Record<K, GatewayProcess> {
  const gws = {} as Record<K, GatewayProcess>;
  beforeAll(async () => {
    await Promise.all(
      (Object.entries(specs) as [K, Record<string, string>][]).map(async ([name, env]) => {
        gws[name] = await GatewayProcess.start({ env });
      }),
    );
  });
  afterAll(async () => {
    await Promise.all(Object.values<GatewayProcess>(gws).map((g) => g?.stop()));
    for (const f of pidFiles.splice(0)) rmSync(f, { force: true });
  });
  return gws;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const RFC3339_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A request with exactly the headers given (no API key unless passed). */
export async function raw(
  gw: GatewayProcess,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: RequestInit["body"]; duplex?: "half" } = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(gw.url + path, { method, headers: init.headers, body: init.body, duplex: init.duplex } as RequestInit);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Parses a JSON error response and checks its shape and Content-Type. */
export function errorOf(r: { status: number; text: string; headers: Headers }): string {
  expect(r.headers.get("content-type") ?? "").toMatch(/^application\/json/);
  const body = JSON.parse(r.text);
  expect(Object.keys(body)).toEqual(["error"]);
  expect(typeof body.error).toBe("string");
  return body.error;
}

export async function total(gw: GatewayProcess, query = ""): Promise<number> {
  const r = await gw.json("GET", `/api/v1/jobs?limit=1${query}`);
  expect(r.status).toBe(200);
  return r.body.total;
}

export const submitRaw = (gw: GatewayProcess, body: string, headers: Record<string, string> = {}) =>
  raw(gw, "POST", "/api/v1/jobs", { headers: { "X-API-Key": API_KEY, "Content-Type": "application/json", ...headers }, body });

const pidFiles: string[] = [];
export const pidFilePath = () => {
  const file = join(tmpdir(), `cg-pid-${randomUUID()}`);
  pidFiles.push(file);
  return file;
};

/** Waits until the fake CLI has written its pid, i.e. the CLI process really runs. */
export async function pidFrom(file: string, timeoutMs = 30_000): Promise<number> {
  return waitUntil(
    () => {
      if (!existsSync(file)) return 0;
      const n = Number(readFileSync(file, "utf8").trim());
      return n > 0 ? n : 0;
    },
    timeoutMs,
    `pid file ${file}`,
  );
}

/** Gone or a zombie, within `ms` (isAlive treats a zombie as dead). */
export async function expectGoneWithin(pid: number, ms: number): Promise<void> {
  await waitUntil(() => !isAlive(pid), ms, `process ${pid} to be gone`);
}

/** Opens a job's SSE stream; `opened` resolves on the first event, `done` with every event once the server ends it. */
export function openSse(gw: GatewayProcess, id: string): { opened: Promise<EventSourceMessage>; done: Promise<EventSourceMessage[]> } {
  let onFirst!: (e: EventSourceMessage) => void;
  const opened = new Promise<EventSourceMessage>((res) => (onFirst = res));
  let first = true;
  const done = gw.sse(id, (e) => {
    if (first) {
      first = false;
      onFirst(e);
    }
  });
  // If the stream fails before any event, surface that through `opened` too.
  done.catch(() => {});
  return { opened: Promise.race([opened, done.then(() => Promise.reject(new Error("stream ended before any event")))]), done };
}

export async function readSse(res: Response): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
  return events;
}

