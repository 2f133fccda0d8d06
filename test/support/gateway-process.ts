// Runs the BUILT gateway (.output/server/index.mjs) as a real process on a real port with its own database (an
// SQLite file in its data directory, or in the `postgres` test project a PostgreSQL database of its own, see
// test/support/test-backend.ts), and talks to it over HTTP. Everything a test needs to drive it end to end lives here.
import { spawn, type ChildProcess } from "node:child_process";
import { chownSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { databaseUrlFor, testBackend, type Backend } from "./test-backend";

export const ROOT = resolve(import.meta.dirname, "../..");
export const SERVER_ENTRY = join(ROOT, ".output/server/index.mjs");
export const REAL_CLI = join(ROOT, "node_modules/@anthropic-ai/claude-code/bin/claude.exe");
export const FAKE_CLI = join(ROOT, "test/support/fake-claude.mjs");
export const API_KEY = "test-key-0123456789";

export interface GatewayOptions {
  env?: Record<string, string>;
  /** Reuse a data directory (restart tests). */
  dataDir?: string;
  /** Wait for the listening line (false for start-up failure tests). */
  waitListening?: boolean;
  /** Run the gateway as this uid (and gid), owning its data directory: an unprivileged service (needs root). */
  uid?: number;
  /**
   * The database backend; default: the test project's (testBackend()). On postgres the gateway gets
   * CLAUDEGATE_DATABASE_URL for a database keyed by its data directory (a restart on the same dataDir gets the same
   * database), unless `env` sets one. "sqlite" forces the file, for tests about SQLite itself.
   */
  backend?: Backend;
}

export class GatewayProcess {
  url = "";
  output = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    /** Where this gateway keeps its data: the SQLite file's path, or the PostgreSQL URL it was given. */
    readonly database: { backend: "sqlite"; path: string } | { backend: "postgres"; url: string },
  ) {
    child.stdout!.on("data", (d) => (this.output += d));
    child.stderr!.on("data", (d) => (this.output += d));
    this.exited = new Promise((res) => child.on("exit", (code, signal) => res({ code, signal })));
  }

  static async start(opts: GatewayOptions = {}): Promise<GatewayProcess> {
    const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "cg-test-"));
    const home = join(dataDir, "home");
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: home,
      CLAUDEGATE_LISTEN_ADDR: "127.0.0.1:0",
      CLAUDEGATE_DB_PATH: join(dataDir, "claudegate.db"),
      CLAUDEGATE_API_KEYS: API_KEY,
      CLAUDEGATE_CLAUDE_PATH: REAL_CLI,
      ANTHROPIC_API_KEY: "sk-test",
      // Most tests watch the scripted CLI from outside (FAKE_CLAUDE_LOG, [[pid-file]] under the data folder), which a
      // sandbox rightly hides; test/e2e/sandbox*.test.ts set the modes they test.
      CLAUDEGATE_SANDBOX: "off",
      // Warm CLI processes would change every other test's count of CLI processes; test/e2e/warm.test.ts turns them on.
      CLAUDEGATE_WARM_PROCESSES: "0",
      ...opts.env,
    };
    const backend = opts.env?.CLAUDEGATE_DATABASE_URL ? "postgres" : (opts.backend ?? testBackend());
    if (backend === "postgres") env.CLAUDEGATE_DATABASE_URL ??= await databaseUrlFor(dataDir);
    const database =
      backend === "postgres" ? { backend, url: env.CLAUDEGATE_DATABASE_URL! } : { backend, path: resolve(dataDir, env.CLAUDEGATE_DB_PATH!) };
    if (opts.uid !== undefined) chownSync(dataDir, opts.uid, opts.uid);
    const ids = opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {};
    const child = spawn(process.execPath, [SERVER_ENTRY], { cwd: dataDir, env, stdio: ["ignore", "pipe", "pipe"], ...ids });
    const gw = new GatewayProcess(child, dataDir, database);
    if (opts.waitListening !== false) await gw.listening();
    return gw;
  }

  private listening(): Promise<void> {
    return new Promise((res, rej) => {
      const check = () => {
        const m = /"msg":"claudegate listening".*?"url":"([^"]+)"/.exec(this.output);
        if (m) {
          this.url = m[1]!;
          cleanup();
          res();
        }
      };
      const onExit = () => {
        cleanup();
        rej(new Error(`gateway exited before listening:\n${this.output}`));
      };
      const cleanup = () => {
        this.child.stdout!.off("data", check);
        this.child.off("exit", onExit);
      };
      this.child.stdout!.on("data", check);
      this.child.on("exit", onExit);
      check();
    });
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(this.url + path, {
      method,
      headers: { "X-API-Key": API_KEY, ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  }

  async json(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await this.request(method, path, body, headers);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }

  async submit(body: Record<string, unknown>): Promise<any> {
    const r = await this.json("POST", "/api/v1/jobs", body);
    if (r.status !== 202) throw new Error(`submit failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Polls a job until `until` holds (a condition, never a fixed sleep), failing after `timeoutMs`. */
  async waitJob(id: string, until: (job: any) => boolean = (j) => TERMINAL.has(j.status), timeoutMs = 60_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.json("GET", `/api/v1/jobs/${id}`);
      if (r.status === 200 && until(r.body)) return r.body;
      if (Date.now() > deadline) throw new Error(`job ${id} never matched; last: ${JSON.stringify(r.body)}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /** One series' value from GET /metrics, written as the text format does (`name{label="v"}`), or undefined. */
  async metric(series: string): Promise<number | undefined> {
    const text = await (await this.request("GET", "/metrics")).text();
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  }

  /** Reads a job's SSE stream until the server ends it. */
  async sse(id: string, onEvent?: (e: EventSourceMessage) => void): Promise<EventSourceMessage[]> {
    const res = await this.request("GET", `/api/v1/jobs/${id}/sse`);
    if (res.status !== 200) throw new Error(`sse ${res.status}: ${await res.text()}`);
    const events: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (e) => (events.push(e), onEvent?.(e)) });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    return events;
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export const TERMINAL = new Set(["completed", "failed", "cancelled"]);

/** Polls `check` until it returns a truthy value. */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
  what = "condition",
): Promise<Exclude<T, false | 0 | "" | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as Exclude<T, false | 0 | "" | null | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}
