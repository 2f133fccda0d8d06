// Hostile requests against every endpoint (listed from handlers/, so a new one is fuzzed without a change here)
// and against unknown paths and methods: broken JSON, wrong types, huge numbers, deep nesting, invalid UTF-8, NUL
// bytes, path traversal and percent-encoding garbage in ids, bogus headers, 10 MB headers, slow-loris requests.
// Sent as raw bytes, one connection each. The promise: no 5xx, no crash, the server still serves, nothing a
// request stored breaks a later read, and every job a request created ends (completed, failed or cancelled)
// within TERMINAL_BOUND_MS of the fuzz's end. Shared by the full suite (10,000 requests) and the fast subset (~500).
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { API_KEY, FAKE_CLI, ROOT, type GatewayProcess } from "../gateway-process";
import { listJobs, readBack, unfinished } from "./fuzz-afterwards";
import { hugeRequest, rawRequest, type RawAnswer } from "./raw-http";
import { Prng } from "./prng";
import { emptyRow, type ChaosRow } from "./report";

/** The fuzzed gateway: the fake CLI, one run at a time and a deep queue, so the few valid submits queue up
 * instead of flooding the machine; CORS on, so its code runs too. */
export const FUZZ_ENV = {
  CLAUDEGATE_CLAUDE_PATH: FAKE_CLI,
  CLAUDEGATE_CONCURRENCY: "1",
  CLAUDEGATE_QUEUE_SIZE: "100000",
  CLAUDEGATE_CORS_ORIGINS: "*",
  CLAUDEGATE_STALL_TIMEOUT_SECONDS: "10",
  CLAUDEGATE_JOB_TIMEOUT_MINUTES: "1",
};

/**
 * How long after the fuzz every job it created may take to be terminal. Jobs still queued then are cancelled
 * (the single CLI slot would otherwise take a minute per backlog of ~100), so only the one job the slot is
 * running must end by itself: the stall watchdog (10 s) ends a silent CLI, and CLAUDEGATE_JOB_TIMEOUT_MINUTES
 * (1 min, which a job's timeout_seconds can only shorten) ends any other; the job is failed when the limit
 * expires, before the SIGTERM/SIGKILL grace. 15 s more covers listing the jobs and cancelling the queued ones
 * before the check starts, and the polling itself, on two shared cores.
 */
export const TERMINAL_BOUND_MS = Number(FUZZ_ENV.CLAUDEGATE_JOB_TIMEOUT_MINUTES) * 60_000 + 15_000;

export interface FuzzOptions {
  seed: number;
  requests: number;
  /** Connections at once. */
  concurrency: number;
  /** Slow-loris requests (each holds a connection until the server's header/request timeout: ~20-60 s). */
  slowLoris: number;
  /** Requests with 10 MB of headers. */
  hugeHeaders: number;
  log?: (line: string) => void;
}

export interface FuzzReport {
  /** `row.lost` counts the jobs in `notTerminal`, and accepted jobs that vanished without a DELETE. */
  row: ChaosRow;
  /** Distinct jobs the fuzz's requests created (ids from 202 answers). */
  accepted: number;
  /** Of those, the ones not completed, failed or cancelled within TERMINAL_BOUND_MS of the fuzz's end. */
  notTerminal: number;
  problems: string[];
  /** How many answers of each status ("reset", "closed"... for connections that ended without one). */
  statuses: Record<string, number>;
}

export interface Route {
  method: string;
  /** With `{id}`-style parameters. */
  path: string;
}

/** The API's routes, read from the handler file names as Nitro does (`[id]` → parameter, `name.get.ts` → GET). */
export function listRoutes(dir = join(ROOT, "handlers")): Route[] {
  const routes: Route[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const m = /^(.*)\.(get|post|delete|put|patch)\.ts$/.exec(relative(dir, full));
        if (m) routes.push({ method: m[2]!.toUpperCase(), path: "/" + m[1]!.replace(/\[(\w+)\]/g, "{$1}") });
      }
    }
  };
  walk(dir);
  return routes.sort((a, b) => (a.path + a.method).localeCompare(b.path + b.method));
}

const HOSTILE_IDS = [
  "%E0%A4%A", "..%2F..", "..%2F..%2F..%2Fetc%2Fpasswd", "../../etc/passwd", "%2e%2e%2f%2e%2e", "%252e%252e%252f", "%00",
  "%", "%%", "%ZZ", "%C0%AE%C0%AE", "%FF%FE", "%uD800", "%F0%9F%98%80", "'%20OR%201=1--", "%27;DROP%20TABLE%20jobs;--",
  "$(reboot)", "%0d%0aSet-Cookie:%20x=1", "a;b", "a%3Bb", "NaN", "-1", "0", "null", "undefined", "__proto__", "constructor",
  "00000000-0000-0000-0000-000000000000", "%20", "+", ".", "..", "~", "*",
];
const HOSTILE_VALUES = [
  "", "-1", "0", "1e999", "99999999999999999999999", "NaN", "Infinity", "0x10", "1.5", " 7 ", "%E0%A4%A", "%00", "%FF",
  "__proto__", "null", "true", "[]", "{}", "a".repeat(3000), "-0", "+5", "1e3", "９",
];
const STRINGS = [
  "", " ", "\u0000", "a\u0000b", "\ud800", "\udfff\ud800", "\u2028\u2029", "😀", "\uFEFF", "<script>alert(1)</script>",
  "../../etc/passwd", "--help", "-p", "$(id)", "`id`", "%s%s%s%n", "\\", '"', "\r\n\r\nHTTP/1.1 200 OK", "x".repeat(5000),
];

/** One generated request: its bytes, and where it went (for the report). */
interface Generated {
  label: string;
  bytes: Buffer;
  /** A request so broken at the HTTP level that the server may close without answering (never with a 5xx). */
  mayGoUnanswered?: boolean;
  /** A POST to the submit route: its answer is read whole, so a 202's job id is known. */
  submit?: boolean;
}

class Generator {
  constructor(
    private readonly rng: Prng,
    private readonly routes: Route[],
    /** Ids of real jobs, so requests also hit rows that exist. */
    private readonly jobIds: string[],
    /** Real webhook delivery ids and stream tokens, for the same reason. */
    private readonly deliveryIds: string[],
    private readonly tokens: string[],
  ) {}

  /** Requests generated per route, for the report. */
  readonly perRoute = new Map<string, number>();
  /** Ids a DELETE was sent for: such a job may be gone rather than terminal. */
  readonly deleteTargets = new Set<string>();

  next(): Generated {
    const r = this.rng;
    const route = r.chance(0.08) ? { method: "GET", path: r.pick(["/", "/api", "/api/", "/api/v2/jobs", "/api/v1/jobs/", "/api/v1/unknown", "/api/v1/jobs/{id}/nope", "/favicon.ico", "/.env", "/api/v1/../../.env", "//api//v1//jobs", "/API/V1/JOBS", "/api/v1/jobs/{id}/sse/extra"]) } : r.chance(0.25) ? { method: "POST", path: "/api/v1/jobs" } : r.pick(this.routes);
    let method = route.method;
    if (r.chance(0.1)) method = r.pick(["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD", "PROPFIND", "TRACE", "get", "G\u0000T", "POST ", "X".repeat(300)]);
    const path = route.path.replace(/\{(\w+)\}/g, (_, name) => {
      const id = this.id(name);
      if (method === "DELETE") this.deleteTargets.add(id);
      return id;
    }) + this.query(route.path);
    const label = `${route.method} ${route.path}`;
    this.perRoute.set(label, (this.perRoute.get(label) ?? 0) + 1);

    const headers: string[] = ["Host: 127.0.0.1", "Connection: close"];
    const key = r.weighted<string | undefined>([[85, API_KEY], [4, undefined], [4, "wrong-key"], [2, "x".repeat(8000)], [2, ""], [3, `${API_KEY} `]]);
    if (key !== undefined) headers.push(r.chance(0.2) ? `Authorization: ${r.pick(["Bearer ", "bearer ", "Basic ", "Bearer  "])}${key}` : `X-API-Key: ${key}`);
    if (r.chance(0.3)) headers.push(`Idempotency-Key: ${r.pick(["k-" + r.int(0, 50), "", " ", "a".repeat(256), "a".repeat(255), "with space", "ü", "\t", "k\u0001", "*"])}`);
    if (r.chance(0.2)) headers.push(`Last-Event-ID: ${r.pick(HOSTILE_VALUES.slice(0, 22))}`);
    if (r.chance(0.2)) headers.push(`X-Request-ID: ${r.pick(["ok-id", "a".repeat(129), "a".repeat(128), "bad id", "<x>", "", "é", "id\u0000"])}`);
    if (r.chance(0.2)) headers.push(`Origin: ${r.pick(["null", "http://evil.example", "http://127.0.0.1", "*", "", "file://", "http://" + "a".repeat(2000)])}`);
    if (r.chance(0.05)) headers.push(`Access-Control-Request-Method: ${r.pick(["POST", "GET", "BREW", ""])}`);
    if (r.chance(0.1)) headers.push(`Content-Type: ${r.pick(["text/plain", "application/json; charset=latin1", "multipart/form-data; boundary=x", "", "application/x-www-form-urlencoded"])}`);
    if (r.chance(0.05)) headers.push(`X-Forwarded-For: ${r.pick(["127.0.0.1", "::1", "garbage"])}`);

    let body: Buffer | undefined;
    if (method === "POST" || r.chance(0.1)) body = this.body(route.path);
    let mayGoUnanswered = false;
    const framing = r.weighted<"length" | "chunked" | "badchunk" | "none">([[85, "length"], [8, "chunked"], [2, "badchunk"], [5, "none"]]);
    let payload: Buffer = Buffer.alloc(0);
    if (body && framing === "length") {
      headers.push(`Content-Length: ${body.length}`);
      payload = body;
    } else if (body && framing === "chunked") {
      headers.push("Transfer-Encoding: chunked");
      const parts: Buffer[] = [];
      for (let i = 0; i < body.length; i += 7000) {
        const piece = body.subarray(i, i + 7000);
        parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n"));
      }
      parts.push(Buffer.from("0\r\n\r\n"));
      payload = Buffer.concat(parts);
    } else if (body && framing === "badchunk") {
      headers.push("Transfer-Encoding: chunked");
      payload = Buffer.from(r.pick(["zz\r\nabc\r\n0\r\n\r\n", "-1\r\n\r\n", "ffffffffffffffffff\r\nx\r\n0\r\n\r\n"]));
    } else if (body && framing === "none" && method === "POST") {
      // No framing: the body is not part of this request (Connection: close ends it).
      payload = Buffer.alloc(0);
    }
    if (r.chance(0.02)) headers.push(r.pick(["Content-Length: -1", "Content-Length: abc", "Transfer-Encoding: gzip", "Content-Length: 1, 2"]));
    // A server may answer a big body it refuses before it has read it, and close: the rest of our write then
    // meets a reset that can overtake its answer.
    if (payload.length > 64 * 1024) mayGoUnanswered = true;
    if (method !== route.method && !["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"].includes(method)) mayGoUnanswered = true;
    const submit = method === "POST" && route.path === "/api/v1/jobs";
    if (r.chance(0.02)) {
      // Raw bytes where only ASCII belongs: the path or a header value.
      const junk = r.bytes(r.int(1, 12));
      const head = Buffer.from(`${method} ${path}`, "latin1");
      const rest = Buffer.from(` HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`, "latin1");
      return { label: `${label} (raw bytes)`, bytes: Buffer.concat([head, junk.map((b) => (b === 10 || b === 13 || b === 32 ? 0x41 : b)), rest, payload]), mayGoUnanswered: true, submit };
    }
    const head = Buffer.from(`${method} ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`, "utf8");
    return { label, bytes: Buffer.concat([head, payload]), mayGoUnanswered, submit };
  }

  private id(param: string): string {
    const r = this.rng;
    const real = param === "deliveryId" ? this.deliveryIds : this.jobIds;
    if (real.length && r.chance(0.4)) return r.pick(real);
    if (r.chance(0.15)) return crypto.randomUUID();
    if (r.chance(0.05)) return "a".repeat(r.pick([200, 3000, 9000]));
    return r.pick(HOSTILE_IDS);
  }

  private query(path: string): string {
    const r = this.rng;
    if (!r.chance(0.5)) return "";
    const names = path.endsWith("/sse") ? ["after", "token"] : path.endsWith("/events") ? ["after", "limit"] : path === "/api/v1/jobs" ? ["limit", "offset", "status"] : ["x"];
    const parts: string[] = [];
    for (let i = r.int(1, 4); i > 0; i--) {
      const name = r.chance(0.85) ? r.pick(names) : r.pick(["__proto__", "constructor", "%E0%A4%A", "a[b]", "", "limit[]"]);
      const value = name === "token" && this.tokens.length && r.chance(0.5) ? r.pick(this.tokens) : r.chance(0.3) ? String(r.int(-5, 200)) : r.chance(0.2) ? r.pick(["queued", "processing", "completed", "failed", "cancelled", "QUEUED"]) : r.pick(HOSTILE_VALUES);
      parts.push(`${encodeQ(name, r)}=${encodeQ(value, r)}`);
    }
    return (r.chance(0.05) ? "?&&" : "?") + parts.join("&") + (r.chance(0.05) ? "#frag" : "");
  }

  private body(path: string): Buffer {
    const r = this.rng;
    const kind = r.weighted<string>([[30, "submit"], [12, "broken"], [8, "nonobject"], [6, "deep"], [6, "huge"], [4, "bytes"], [8, "pause"], [3, "empty"], [3, "dupkeys"], [2, "oversize"]]);
    const json = (v: unknown) => Buffer.from(JSON.stringify(v), "utf8");
    switch (kind) {
      case "submit":
        return path.includes("/queue/") ? this.pauseBody() : this.submitBody();
      case "pause":
        return this.pauseBody();
      case "broken":
        return Buffer.from(r.pick(['{"prompt":"x"', '{"prompt":"x"}{"a":1}', '{"prompt":"x",}', "{'prompt':'x'}", '{"prompt":"x" // c\n}', "\uFEFF{\"prompt\":\"x\"}", '{"prompt":NaN}', '{"prompt":"\\x41"}', '{"prompt":"\\ud800"}', '{"prompt":"\\u00"}', "{", "}", ":", '{"a":1e999999}', '{"prompt":"x","timeout_seconds":1e400}', '{"prompt":"x","metadata":1e400}', '{"prompt":"x","metadata":-0.0e-0}', '{"prompt":"x","metadata":123456789012345678901234567890}']), "utf8");
      case "nonobject":
        return json(r.pick<unknown>([[], null, "x", 1, true, [{ prompt: "x" }], -1e308]));
      case "deep": {
        const n = r.pick([100, 10_000, 100_000, 400_000]);
        const [open, close] = r.pick([["[", "]"], ['{"a":', "}"]]);
        const nest = open!.repeat(n) + "1" + close!.repeat(n);
        return Buffer.from(r.chance(0.5) ? `{"prompt":"deep","metadata":${nest}}` : nest, "utf8");
      }
      case "huge":
        return json({ prompt: "x".repeat(r.pick([1000, 100_000, 1_000_000])), metadata: r.chance(0.5) ? Array.from({ length: 1000 }, (_, i) => i * 1e300) : undefined });
      case "bytes":
        return Buffer.concat([Buffer.from('{"prompt":"'), r.bytes(r.int(1, 200)).map((b) => (b === 0x22 || b === 0x5c ? 0x41 : b)), Buffer.from('"}')]);
      case "empty":
        return Buffer.alloc(0);
      case "dupkeys":
        return Buffer.from('{"prompt":1,"prompt":"dup ok","metadata":{"a":1},"metadata":[2,{"b":"\\"]"}]}', "utf8");
      default:
        return Buffer.alloc(1024 * 1024 + r.int(1, 4096), "a");
    }
  }

  private submitBody(): Buffer {
    const r = this.rng;
    const anyValue = (): unknown => r.pick<unknown>([null, true, 0, -1, 1.5, 2 ** 53 + 1, 1e308, "", "x", [], {}, [1, "a"], { a: { b: [] } }, r.pick(STRINGS)]);
    const o: Record<string, unknown> = {};
    // Mostly invalid: a valid one becomes a job the (single) CLI slot runs, and those must stay few.
    o.prompt = r.weighted<unknown>([[20, `fuzz ${r.pick(STRINGS)}`], [50, anyValue()], [20, r.pick(["", " ", "\t\n"])], [10, undefined]]);
    if (r.chance(0.5)) o.model = r.pick<unknown>(["haiku", "sonnet", "opus", "", "HAIKU", "gpt-4", 1, null, ["haiku"]]);
    if (r.chance(0.3)) o.system_prompt = r.chance(0.5) ? r.pick(STRINGS) : anyValue();
    if (r.chance(0.3)) o.callback_url = r.pick<unknown>(["http://127.0.0.1:1/x", "http://169.254.169.254/latest/meta-data", "https://example.invalid/hook", "javascript:alert(1)", "file:///etc/passwd", "http://", "http://[::1]:80/", "ftp://x", "http://" + "a".repeat(5000) + ".com", 5, null]);
    if (r.chance(0.2)) o.webhook_events_filter = r.pick<unknown>([["started"], ["completed", "started", "started"], ["nope"], "started", [], [1], null]);
    if (r.chance(0.3)) o.metadata = anyValue();
    if (r.chance(0.3)) o.response_format = r.pick<unknown>(["text", "json", "", "xml", 1, null]);
    if (r.chance(0.4)) o.timeout_seconds = r.pick<unknown>([1, 0, -1, 1.5, 604800, 604801, 2 ** 53, 1e308, "10", null, true, 30]);
    if (r.chance(0.1)) o[r.pick(["PROMPT", "__proto__", "constructor", "extra", "\u0000"])] = anyValue();
    return Buffer.from(JSON.stringify(o), "utf8");
  }

  private pauseBody(): Buffer {
    const r = this.rng;
    const o: Record<string, unknown> = {};
    if (r.chance(0.6)) o.seconds = r.pick<unknown>([1, 2, 0, -1, 1.5, 2592000, 2592001, 1e308, "5", null, [], 2 ** 31]);
    if (r.chance(0.5)) o.reason = r.pick<unknown>(["fuzz", "", "x".repeat(500), "x".repeat(501), "\u0000", "\ud800", 1, null, {}]);
    return Buffer.from(JSON.stringify(o), "utf8");
  }
}

/** Percent-encodes sometimes, and sometimes leaves raw characters or broken escapes. */
function encodeQ(s: string, r: Prng): string {
  if (/%/.test(s) || r.chance(0.3)) return s.replace(/[ #&\r\n]/g, "+");
  return encodeURIComponent(s);
}

export async function runFuzz(gw: GatewayProcess, o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? (() => {});
  const rng = new Prng(o.seed);
  const row = emptyRow("fuzz");
  const problems: string[] = [];
  const statuses: Record<string, number> = {};
  const t0 = Date.now();
  const port = Number(new URL(gw.url).port);
  const routes = listRoutes();
  const jobIds: string[] = [];
  const deliveryIds: string[] = [];
  const tokens: string[] = [];
  /** Every job the fuzz created: the ids of its 202 answers. */
  const accepted = new Set<string>();
  const accept = (a: RawAnswer) => {
    const id = a.status === 202 ? /"job_id":"([^"]+)"/.exec(a.body ?? "")?.[1] : undefined;
    if (id) accepted.add(id);
    else if (a.status === 202) problems.push(`a submit answered 202 without a job_id: ${a.body?.slice(0, 200)}`);
  };
  const outputBefore = gw.output.length;
  /** Learns ids and stream tokens of jobs that exist (the fuzz's own included: their prompts are hostile). */
  const learn = async () => {
    const page = await gw.json("GET", "/api/v1/jobs?limit=20").catch(() => undefined);
    for (const j of page?.body?.jobs ?? []) {
      if (!jobIds.includes(j.job_id)) jobIds.push(j.job_id);
      const token = /token=([^&]+)/.exec(j.urls?.stream ?? "")?.[1];
      if (token && tokens.length < 50) tokens.push(token);
      if (j.callback_url && deliveryIds.length < 50) {
        const d = await gw.json("GET", `/api/v1/jobs/${j.job_id}/deliveries`).catch(() => undefined);
        for (const x of d?.body?.deliveries ?? []) if (!deliveryIds.includes(x.id)) deliveryIds.push(x.id);
      }
    }
  };

  // A few real jobs, so ids that exist are fuzzed too; one with a webhook whose delivery fails (no receiver).
  for (let i = 0; i < 3; i++) accepted.add((await gw.submit({ prompt: `[[reply:seed ${i}]] fuzz seed ${i}`, metadata: { i } })).job_id);
  accepted.add((await gw.submit({ prompt: "[[reply:hooked]] fuzz seed hook", callback_url: "https://hook.invalid/x" })).job_id);
  await learn();

  const tally = (label: string, a: RawAnswer, mayGoUnanswered: boolean) => {
    const k = a.status !== undefined ? String(a.status) : a.failure!;
    statuses[k] = (statuses[k] ?? 0) + 1;
    if (a.status !== undefined && a.status >= 500) {
      row.fivexx++;
      if (problems.length < 50) problems.push(`${label} answered ${a.status}`);
    } else if (a.status === undefined && !mayGoUnanswered) {
      row.other++;
      if (problems.length < 50) problems.push(`${label}: no answer (${a.failure})`);
    }
  };

  // Slow loris: headers or a body a byte at a time; the server must time them out (408 or a close), not hang or 5xx.
  const slow: Promise<void>[] = [];
  for (let i = 0; i < o.slowLoris; i++) {
    const body = '{"prompt":"slow loris"}';
    const req = i % 2 === 0
      ? `GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nX-API-Key: ${API_KEY}\r\n` + "X-Pad: " + "p".repeat(200) + "\r\n\r\n"
      : `POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nX-API-Key: ${API_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    slow.push(
      rawRequest(port, Buffer.from(req), { dribble: { pieceBytes: 1, pauseMs: 1500 }, timeoutMs: 120_000, readBody: i % 2 === 1 }).then((a) => {
        row.jobs++;
        accept(a);
        // Either the server cut it off (408 / closed), or the request was slow but complete within the limit.
        tally("slow loris", a, true);
        if (a.failure === "timeout") problems.push("a slow-loris request was never cut off");
      }),
    );
  }

  // 10 MB of headers: 431, or a reset when the server closes while we are still sending.
  for (let i = 0; i < o.hugeHeaders; i++) {
    const a = await hugeRequest(port, `GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: `, 10 * 1024 * 1024, "\r\n\r\n");
    row.jobs++;
    tally("10 MB header", a, true);
    if (a.status !== undefined && a.status !== 431) problems.push(`10 MB header answered ${a.status}, not 431`);
  }
  for (const size of [20_000, 200_000]) {
    const a = await rawRequest(port, Buffer.from(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: ${"b".repeat(size)}\r\n\r\n`));
    row.jobs++;
    tally(`${size} B header`, a, false);
    if (a.status !== 431) problems.push(`a ${size} B header answered ${a.status ?? a.failure}, not 431`);
  }

  // The main batch, `concurrency` connections at a time.
  const gen = new Generator(rng, routes, jobIds, deliveryIds, tokens);
  let sent = 0;
  let answered = 0;
  const worker = async () => {
    while (sent < o.requests) {
      sent++;
      const g = gen.next();
      const a = await rawRequest(port, g.bytes, { timeoutMs: 15_000, readBody: g.submit });
      row.jobs++;
      accept(a);
      tally(g.label, a, !!g.mayGoUnanswered);
      if (++answered % 1000 === 0) log(`${answered} requests, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      if (answered % 250 === 0) await learn();
      if (gw.child.exitCode !== null || gw.child.signalCode !== null) return;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  await Promise.all(slow);
  const deadline = Date.now() + TERMINAL_BOUND_MS;

  if (gw.child.exitCode !== null || gw.child.signalCode !== null) {
    row.other++;
    problems.push(`the server died: ${gw.child.exitCode ?? gw.child.signalCode}\n${gw.output.slice(-2000)}`);
    row.seconds = (Date.now() - t0) / 1000;
    return { row, problems, statuses, accepted: accepted.size, notTerminal: 0 };
  }

  // Afterwards: the server serves, a normal job still completes, and every stored row reads back.
  const health = await gw.json("GET", "/api/v1/health");
  if (health.status !== 200) problems.push(`health answered ${health.status} after the fuzz`);
  await gw.json("POST", "/api/v1/queue/resume"); // the fuzz may have paused the queue for days
  const rows = await listJobs(gw, row, problems);
  // Jobs the fuzz left queued behind the single CLI slot are cancelled, so the check below does not wait on them.
  for (const j of rows) if (j.status === "queued") await gw.json("POST", `/api/v1/jobs/${j.job_id}/cancel`);
  // Every job the fuzz created must end within the bound; a stored one whose 202 never arrived is checked too.
  const created = new Set([...accepted, ...rows.map((j) => j.job_id as string)]);
  const notTerminal = await unfinished(gw, created, gen.deleteTargets, deadline, row, problems);
  log(`${accepted.size} jobs accepted, ${created.size} checked, ${notTerminal} not terminal within ${TERMINAL_BOUND_MS / 1000} s ` +
    `(checked ${((Date.now() - deadline + TERMINAL_BOUND_MS) / 1000).toFixed(1)} s after the fuzz)`);
  await readBack(gw, row, problems);
  const probe = await gw.submit({ prompt: "[[reply:still serving]] after the fuzz" });
  const done = await gw.waitJob(probe.job_id, undefined, 60_000);
  if (done.status !== "completed" || done.result !== "still serving") problems.push(`a normal job after the fuzz ended ${JSON.stringify(done)}`);
  await readBack(gw, row, problems);

  // Every 5xx the server made, even one no client saw (a request aborted mid-body), is logged as an unhandled error.
  const unhandled = gw.output.slice(outputBefore).split("\n").filter((l) => l.includes('"unhandled error"'));
  if (unhandled.length) {
    row.other += unhandled.length;
    problems.push(`${unhandled.length} unhandled errors logged, e.g. ${unhandled[0]}`);
  }
  row.seconds = (Date.now() - t0) / 1000;
  log(`statuses: ${JSON.stringify(statuses)}`);
  log(`requests per route: ${[...gen.perRoute].map(([k, v]) => `${k} ${v}`).join(", ")}`);
  return { row, problems, statuses, accepted: accepted.size, notTerminal };
}
