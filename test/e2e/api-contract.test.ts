// The HTTP contract of the job API, driven over real HTTP against the built gateway: status codes, exact
// `{"error": ...}` bodies, headers, the queue cap, listing, cancel/delete of queued and running jobs, SSE, CORS,
// the per-key rate limit, health and stats. Jobs that must run use the scripted fake CLI (fast); `[[hang]]` keeps
// a job processing so that (with the default concurrency 1) the next one stays queued behind it.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { isAlive } from "../support/processes";

// ---------------------------------------------------------------------------------------------------------------
// Gateways. All are started at once (in parallel) so their start-up costs overlap; each describe block owns one.
// ---------------------------------------------------------------------------------------------------------------
const SPECS = {
  /** auth, submit validation, get, SSE of finished jobs, routing, health. */
  main: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI },
  /** cancel and delete of queued and processing jobs. */
  lifecycle: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI },
  /** the queue cap. */
  queueCap: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_QUEUE_SIZE: "2" },
  /** listing: starts empty. */
  list: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI },
  /** CORS (no job runs: the harness's real CLI is fine). */
  cors: { CLAUDEGATE_CORS_ORIGINS: "https://a.example" },
  /** the per-key submit rate limit. */
  rate: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_RATE_LIMIT: "2", CLAUDEGATE_API_KEYS: "k1,k2,k3" },
  /** health with a missing CLI. */
  degraded: { CLAUDEGATE_CLAUDE_PATH: "/nonexistent/claude" },
  /** stats, with the real CLI so that `--version` answers. */
  stats: {},
} satisfies Record<string, Record<string, string>>;

const gws = {} as Record<keyof typeof SPECS, GatewayProcess>;

beforeAll(async () => {
  await Promise.all(
    Object.entries(SPECS).map(async ([name, env]) => {
      gws[name as keyof typeof SPECS] = await GatewayProcess.start({ env });
    }),
  );
});

afterAll(async () => {
  await Promise.all(Object.values(gws).map((g) => g?.stop()));
});

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A request with exactly the headers given (no API key unless passed). */
async function raw(
  gw: GatewayProcess,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: RequestInit["body"]; duplex?: "half" } = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(gw.url + path, { method, headers: init.headers, body: init.body, duplex: init.duplex } as RequestInit);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Parses a JSON error response and checks its shape and Content-Type. */
function errorOf(r: { status: number; text: string; headers: Headers }): string {
  expect(r.headers.get("content-type") ?? "").toMatch(/^application\/json/);
  const body = JSON.parse(r.text);
  expect(Object.keys(body)).toEqual(["error"]);
  expect(typeof body.error).toBe("string");
  return body.error;
}

async function total(gw: GatewayProcess, query = ""): Promise<number> {
  const r = await gw.json("GET", `/api/v1/jobs?limit=1${query}`);
  expect(r.status).toBe(200);
  return r.body.total;
}

const submitRaw = (gw: GatewayProcess, body: string, headers: Record<string, string> = {}) =>
  raw(gw, "POST", "/api/v1/jobs", { headers: { "X-API-Key": API_KEY, "Content-Type": "application/json", ...headers }, body });

const pidFiles: string[] = [];
const pidFilePath = () => {
  const file = join(tmpdir(), `cg-pid-${randomUUID()}`);
  pidFiles.push(file);
  return file;
};
afterAll(() => {
  for (const f of pidFiles) rmSync(f, { force: true });
});

/** Waits until the fake CLI has written its pid, i.e. the CLI process really runs. */
async function pidFrom(file: string, timeoutMs = 30_000): Promise<number> {
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
async function expectGoneWithin(pid: number, ms: number): Promise<void> {
  await waitUntil(() => !isAlive(pid), ms, `process ${pid} to be gone`);
}

/** Opens a job's SSE stream; `opened` resolves on the first event, `done` with every event once the server ends it. */
function openSse(gw: GatewayProcess, id: string): { opened: Promise<EventSourceMessage>; done: Promise<EventSourceMessage[]> } {
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

async function readSse(res: Response): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
  return events;
}

// ---------------------------------------------------------------------------------------------------------------
describe("authentication and request ids", () => {
  it("rejects a request without a key with 401 `missing X-API-Key header`", async () => {
    const r = await raw(gws.main, "GET", "/api/v1/jobs");
    expect(r.status).toBe(401);
    expect(errorOf(r)).toBe("missing X-API-Key header");
    // An empty header counts as missing, as in the original.
    const empty = await raw(gws.main, "GET", "/api/v1/jobs", { headers: { "X-API-Key": "" } });
    expect(empty.status).toBe(401);
    expect(errorOf(empty)).toBe("missing X-API-Key header");
  });

  it("rejects a wrong key with 401 `invalid API key`", async () => {
    for (const key of ["wrong", API_KEY + "x", API_KEY.slice(0, -1)]) {
      const r = await raw(gws.main, "GET", "/api/v1/jobs", { headers: { "X-API-Key": key } });
      expect(r.status).toBe(401);
      expect(errorOf(r)).toBe("invalid API key");
    }
    const bearer = await raw(gws.main, "GET", "/api/v1/jobs", { headers: { Authorization: "Bearer wrong" } });
    expect(bearer.status).toBe(401);
    expect(errorOf(bearer)).toBe("invalid API key");
  });

  it("accepts `Authorization: Bearer <key>` as well as X-API-Key", async () => {
    const r = await raw(gws.main, "GET", "/api/v1/jobs", { headers: { Authorization: `Bearer ${API_KEY}` } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toHaveProperty("jobs");
    const x = await raw(gws.main, "GET", "/api/v1/jobs", { headers: { "x-api-key": API_KEY } });
    expect(x.status).toBe(200);
  });

  it("serves health without a key", async () => {
    const r = await raw(gws.main, "GET", "/api/v1/health");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).status).toBe("ok");
  });

  it("puts an X-Request-ID on every response, errors and 404s included", async () => {
    const k = { "X-API-Key": API_KEY };
    const job = await gws.main.submit({ prompt: "request-id job" });
    const responses = {
      "200 health": await raw(gws.main, "GET", "/api/v1/health"),
      "200 list": await raw(gws.main, "GET", "/api/v1/jobs", { headers: k }),
      "202 submit": await submitRaw(gws.main, JSON.stringify({ prompt: "request-id submit" })),
      "401 missing": await raw(gws.main, "GET", "/api/v1/jobs"),
      "401 invalid": await raw(gws.main, "GET", "/api/v1/jobs", { headers: { "X-API-Key": "nope" } }),
      "400 bad json": await submitRaw(gws.main, "{"),
      "404 job": await raw(gws.main, "GET", `/api/v1/jobs/${randomUUID()}`, { headers: k }),
      "404 sse": await raw(gws.main, "GET", `/api/v1/jobs/${randomUUID()}/sse`, { headers: k }),
      "404 api path": await raw(gws.main, "GET", "/api/v1/nope", { headers: k }),
      "404 path": await raw(gws.main, "GET", "/nope"),
      "405": await raw(gws.main, "PUT", "/api/v1/jobs", { headers: k }),
      "204 delete": await raw(gws.main, "DELETE", `/api/v1/jobs/${job.job_id}`, { headers: k }),
    };
    for (const [name, r] of Object.entries(responses)) {
      expect(r.headers.get("x-request-id"), name).toMatch(/^[\w.:-]{8,128}$/);
    }
    // Fresh ids are UUIDs and differ per request.
    const a = responses["200 health"].headers.get("x-request-id");
    const b = responses["404 path"].headers.get("x-request-id");
    expect(a).toMatch(UUID_RE);
    expect(a).not.toBe(b);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("POST /api/v1/jobs", () => {
  it("answers 202 with Location and the queued job, model defaulted to haiku", async () => {
    const r = await submitRaw(gws.main, JSON.stringify({ prompt: "hello contract" }));
    expect(r.status).toBe(202);
    expect(r.headers.get("content-type") ?? "").toMatch(/^application\/json/);
    const job = JSON.parse(r.text);
    expect(job.job_id).toMatch(UUID_RE);
    expect(r.headers.get("location")).toBe(`/api/v1/jobs/${job.job_id}`);
    expect(job).toMatchObject({ prompt: "hello contract", status: "queued", model: "haiku" });
    expect(job.created_at).toMatch(RFC3339_UTC_RE);
    expect(Math.abs(Date.parse(job.created_at) - Date.now())).toBeLessThan(60_000);
    // Omit-when-empty: fields that were not given are absent.
    for (const key of ["system_prompt", "result", "error", "callback_url", "metadata", "response_format", "started_at", "completed_at"]) {
      expect(job, key).not.toHaveProperty(key);
    }
  });

  it("keeps the given model, system prompt, callback URL and response format", async () => {
    const body = {
      prompt: "p",
      model: "sonnet",
      system_prompt: "be brief",
      callback_url: "https://hooks.example/cb?x=1",
      response_format: "json",
      timeout_seconds: 10,
    };
    const job = await gws.main.submit(body);
    expect(job).toMatchObject(body);
    expect((await gws.main.json("GET", `/api/v1/jobs/${job.job_id}`)).body).toMatchObject(body);
  });

  it("returns metadata unchanged, whatever JSON value it is, including an explicit null", async () => {
    const values: unknown[] = [
      { tenant: "acme", tags: ["a", "b"], nested: { n: 1.5, t: true, z: null }, unicode: "héllo <&> ✓" },
      [1, "two", { three: 3 }, null],
      "just a string",
      42,
      -0.125,
      true,
      null,
    ];
    for (const metadata of values) {
      const job = await gws.main.submit({ prompt: "metadata", metadata });
      expect(job, JSON.stringify(metadata)).toHaveProperty("metadata");
      expect(job.metadata).toStrictEqual(metadata);
      const got = await gws.main.json("GET", `/api/v1/jobs/${job.job_id}`);
      expect(got.body.metadata).toStrictEqual(metadata);
    }
    const none = await gws.main.submit({ prompt: "no metadata" });
    expect(none).not.toHaveProperty("metadata");
  });

  it("returns metadata numbers with all their digits (the original kept the raw JSON)", async () => {
    // A 64-bit id (e.g. a snowflake) or an out-of-double-range number must not be rounded or nulled.
    const body = '{"prompt":"metadata precision","metadata":{"id":12345678901234567890,"big":1e400,"n":[9007199254740993]}}';
    const r = await submitRaw(gws.main, body);
    expect(r.status).toBe(202);
    const id = JSON.parse(r.text).job_id;
    const got = await raw(gws.main, "GET", `/api/v1/jobs/${id}`, { headers: { "X-API-Key": API_KEY } });
    for (const text of [r.text, got.text]) {
      expect(text).toContain('"metadata":{"id":12345678901234567890,"big":1e400,"n":[9007199254740993]}');
    }
  });

  it("ignores unknown fields", async () => {
    const r = await submitRaw(gws.main, JSON.stringify({ prompt: "unknown fields", foo: "bar", extra: { x: [1] }, status: "completed" }));
    expect(r.status).toBe(202);
    const job = JSON.parse(r.text);
    expect(job).not.toHaveProperty("foo");
    expect(job).not.toHaveProperty("extra");
    expect(job.status).toBe("queued");
  });

  it("treats empty model, response_format and callback_url as not given, as the original", async () => {
    const job = await gws.main.submit({ prompt: "empties", model: "", response_format: "", callback_url: "", system_prompt: "" });
    expect(job.model).toBe("haiku");
    for (const key of ["response_format", "callback_url", "system_prompt"]) expect(job, key).not.toHaveProperty(key);
  });

  it("rejects bad bodies with the exact 400 messages and leaves no row behind", async () => {
    const before = await total(gws.main);
    const cases: [string, string | RegExp][] = [
      // malformed JSON / wrong top-level type
      ['{"prompt": "x"', "invalid JSON body"],
      ["not json", "invalid JSON body"],
      ["", "invalid JSON body"],
      ['[{"prompt":"x"}]', "invalid JSON body"],
      ["[]", "invalid JSON body"],
      ['"a string"', "invalid JSON body"],
      ["42", "invalid JSON body"],
      // prompt
      [JSON.stringify({ prompt: "" }), "prompt must not be empty"],
      [JSON.stringify({ prompt: "   \n\t " }), "prompt must not be empty"],
      [JSON.stringify({ model: "haiku" }), "prompt must not be empty"],
      [JSON.stringify({}), "prompt must not be empty"],
      // A literal null body decodes to an empty request in the original, then fails on the prompt.
      ["null", "prompt must not be empty"],
      // model
      [JSON.stringify({ prompt: "x", model: "gpt-4" }), "model must be one of: haiku, sonnet, opus"],
      [JSON.stringify({ prompt: "x", model: "Haiku" }), "model must be one of: haiku, sonnet, opus"],
      // response_format
      [JSON.stringify({ prompt: "x", response_format: "xml" }), "response_format must be 'text' or 'json'"],
      [JSON.stringify({ prompt: "x", response_format: "JSON" }), "response_format must be 'text' or 'json'"],
      // callback_url
      [JSON.stringify({ prompt: "x", callback_url: "ftp://x" }), /callback_url/],
      [JSON.stringify({ prompt: "x", callback_url: "not a url" }), /callback_url/],
      [JSON.stringify({ prompt: "x", callback_url: "/cb" }), /callback_url/],
      // wrong field types (the original answered these `invalid JSON body`; any 400 message is accepted here)
      [JSON.stringify({ prompt: 123 }), /./],
      [JSON.stringify({ prompt: ["x"] }), /./],
      [JSON.stringify({ prompt: "x", system_prompt: 5 }), /./],
      // timeout_seconds
      [JSON.stringify({ prompt: "x", timeout_seconds: 0 }), /timeout_seconds/],
      [JSON.stringify({ prompt: "x", timeout_seconds: -1 }), /timeout_seconds/],
      [JSON.stringify({ prompt: "x", timeout_seconds: 1.5 }), /timeout_seconds/],
      [JSON.stringify({ prompt: "x", timeout_seconds: "10" }), /timeout_seconds/],
    ];
    for (const [body, expected] of cases) {
      const r = await submitRaw(gws.main, body);
      expect(r.status, body).toBe(400);
      const message = errorOf(r);
      if (typeof expected === "string") expect(message, body).toBe(expected);
      else expect(message, body).toMatch(expected);
      expect(await total(gws.main), `row left behind by ${body}`).toBe(before);
    }
  });

  it("answers 413 with a JSON error to a body over 1 MiB, sized or streamed, and leaves no row", async () => {
    const before = await total(gws.main);
    const big = JSON.stringify({ prompt: "x".repeat(1024 * 1024 + 10) });
    const sized = await submitRaw(gws.main, big);
    expect(sized.status).toBe(413);
    expect(errorOf(sized).length).toBeGreaterThan(0);
    expect(sized.headers.get("x-request-id")).toBeTruthy();

    // Without a Content-Length (chunked), the cap must hold while reading.
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const chunked = await raw(gws.main, "POST", "/api/v1/jobs", {
      headers: { "X-API-Key": API_KEY, "Content-Type": "application/json" },
      body: stream,
      duplex: "half",
    });
    expect(chunked.status).toBe(413);
    expect(errorOf(chunked).length).toBeGreaterThan(0);
    expect(await total(gws.main)).toBe(before);

    // Just under the cap is fine.
    const fits = await submitRaw(gws.main, JSON.stringify({ prompt: "y".repeat(1024 * 1024 - 100) }));
    expect(fits.status).toBe(202);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("queue cap (CLAUDEGATE_QUEUE_SIZE=2)", () => {
  it("accepts 2 queued jobs behind a running one, answers the next 503 and keeps no row for it", async () => {
    const gw = gws.queueCap;
    const pidFile = pidFilePath();
    const hung = await gw.submit({ prompt: `[[hang]] [[pid-file:${pidFile}]] cap` });
    await pidFrom(pidFile);
    await gw.waitJob(hung.job_id, (j) => j.status === "processing");

    const a = await gw.submit({ prompt: "queued a" });
    const b = await gw.submit({ prompt: "queued b" });
    expect(a.status).toBe("queued");
    expect(b.status).toBe("queued");
    const full = await submitRaw(gw, JSON.stringify({ prompt: "one too many" }));
    expect(full.status).toBe(503);
    expect(JSON.parse(full.text)).toEqual({ error: "server busy, retry later" });
    expect(full.headers.get("content-type") ?? "").toMatch(/^application\/json/);
    expect(await total(gw)).toBe(3);
    expect(await total(gw, "&status=queued")).toBe(2);

    // Cancelling a queued job frees its place.
    expect((await gw.json("POST", `/api/v1/jobs/${a.job_id}/cancel`)).status).toBe(200);
    const c = await gw.json("POST", "/api/v1/jobs", { prompt: "after a cancel" });
    expect(c.status).toBe(202);
    expect(await total(gw)).toBe(4);
    expect(await total(gw, "&status=queued")).toBe(2);

    // A burst of concurrent submits at the cap: the cap holds and no refused one leaves a row.
    expect((await gw.json("POST", `/api/v1/jobs/${b.job_id}/cancel`)).status).toBe(200);
    const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => submitRaw(gw, JSON.stringify({ prompt: `burst ${i}` }))));
    expect(burst.map((r) => r.status).sort()).toEqual([202, 503, 503, 503, 503, 503]);
    expect(await total(gw)).toBe(5);
    expect(await total(gw, "&status=queued")).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("GET /api/v1/jobs/{id}", () => {
  it("returns the job, and 404 `job not found` for an unknown id", async () => {
    const job = await gws.main.submit({ prompt: "get me" });
    const got = await gws.main.json("GET", `/api/v1/jobs/${job.job_id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ job_id: job.job_id, prompt: "get me", model: "haiku", created_at: job.created_at });

    for (const id of [randomUUID(), "not-a-uuid"]) {
      const r = await raw(gws.main, "GET", `/api/v1/jobs/${id}`, { headers: { "X-API-Key": API_KEY } });
      expect(r.status).toBe(404);
      expect(errorOf(r)).toBe("job not found");
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("GET /api/v1/jobs", () => {
  const submitted: string[] = []; // in submission order
  let hungId = "";

  it("is {jobs:[],limit:20,offset:0,total:0} when there are no jobs", async () => {
    const r = await gws.list.json("GET", "/api/v1/jobs");
    expect(r.status).toBe(200);
    expect(r.body).toStrictEqual({ jobs: [], limit: 20, offset: 0, total: 0 });
    expect(Object.keys(r.body)).toEqual(["jobs", "limit", "offset", "total"]);
  });

  it("lists newest first, the reverse of submission order even for equal timestamps", async () => {
    const gw = gws.list;
    const pidFile = pidFilePath();
    const hung = await gw.submit({ prompt: `[[hang]] [[pid-file:${pidFile}]] list` });
    hungId = hung.job_id;
    submitted.push(hung.job_id);
    // Quick sequential submits: many share a millisecond, so the tie-break decides their order.
    for (let i = 0; i < 104; i++) submitted.push((await gw.submit({ prompt: `list ${i}` })).job_id);
    await gw.waitJob(hungId, (j) => j.status === "processing");

    const page1 = await gw.json("GET", "/api/v1/jobs?limit=100");
    const page2 = await gw.json("GET", "/api/v1/jobs?limit=100&offset=100");
    expect(page1.body).toMatchObject({ limit: 100, offset: 0, total: 105 });
    expect(page2.body).toMatchObject({ limit: 100, offset: 100, total: 105 });
    const ids = [...page1.body.jobs, ...page2.body.jobs].map((j: any) => j.job_id);
    expect(ids).toEqual([...submitted].reverse());
    // created_at never increases down the list.
    const times = [...page1.body.jobs, ...page2.body.jobs].map((j: any) => Date.parse(j.created_at));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1]!);
    // Same order on a second read (stable).
    const again = await gw.json("GET", "/api/v1/jobs?limit=100");
    expect(again.body.jobs.map((j: any) => j.job_id)).toEqual(ids.slice(0, 100));
    // Each element is the full job object.
    expect(page1.body.jobs[0]).toMatchObject({ job_id: submitted.at(-1), prompt: "list 103", status: "queued", model: "haiku" });
  });

  it("defaults to limit 20 offset 0 and clamps, echoing the clamped values", async () => {
    const gw = gws.list;
    const newest = [...submitted].reverse();
    const cases: [string, number, number, number][] = [
      // query, echoed limit, echoed offset, jobs returned
      ["", 20, 0, 20],
      ["?limit=500", 100, 0, 100],
      ["?limit=abc", 20, 0, 20],
      ["?limit=0", 20, 0, 20],
      ["?limit=-3", 20, 0, 20],
      ["?offset=-5", 20, 0, 20],
      ["?offset=abc", 20, 0, 20],
      ["?limit=3&offset=2", 3, 2, 3],
      ["?limit=10&offset=100", 10, 100, 5],
      ["?limit=10&offset=1000", 10, 1000, 0],
    ];
    for (const [q, limit, offset, n] of cases) {
      const r = await gw.json("GET", `/api/v1/jobs${q}`);
      expect(r.status, q).toBe(200);
      expect({ limit: r.body.limit, offset: r.body.offset, total: r.body.total }, q).toEqual({ limit, offset, total: 105 });
      expect(r.body.jobs.map((j: any) => j.job_id), q).toEqual(newest.slice(offset, offset + n));
    }
  });

  it("filters by status, and total counts only those", async () => {
    const gw = gws.list;
    const queued = await gw.json("GET", "/api/v1/jobs?status=queued&limit=100");
    expect(queued.status).toBe(200);
    expect(queued.body.total).toBe(104);
    expect(queued.body.jobs).toHaveLength(100);
    expect(queued.body.jobs.every((j: any) => j.status === "queued")).toBe(true);

    const processing = await gw.json("GET", "/api/v1/jobs?status=processing");
    expect(processing.body).toMatchObject({ total: 1, limit: 20, offset: 0 });
    expect(processing.body.jobs.map((j: any) => j.job_id)).toEqual([hungId]);

    const completed = await gw.json("GET", "/api/v1/jobs?status=completed");
    expect(completed.body).toStrictEqual({ jobs: [], limit: 20, offset: 0, total: 0 });
  });

  it("rejects an unknown status with a 400 JSON error", async () => {
    const r = await raw(gws.list, "GET", "/api/v1/jobs?status=bogus", { headers: { "X-API-Key": API_KEY } });
    expect(r.status).toBe(400);
    expect(errorOf(r)).toMatch(/status/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("cancel and delete", () => {
  const k = { "X-API-Key": API_KEY };

  it("cancels a queued job (its SSE stream ends with `result`), then 409 on a second cancel, 404 when unknown", async () => {
    const gw = gws.lifecycle;
    const pidFile = pidFilePath();
    const hung = await gw.submit({ prompt: `[[hang]] [[pid-file:${pidFile}]] cancel-queued` });
    const queued = await gw.submit({ prompt: "stays queued" });
    const pid = await pidFrom(pidFile);
    expect((await gw.json("GET", `/api/v1/jobs/${queued.job_id}`)).body.status).toBe("queued");

    const stream = openSse(gw, queued.job_id);
    const first = await stream.opened;
    expect(first.event).toBe("status");
    expect(JSON.parse(first.data)).toMatchObject({ job_id: queued.job_id, status: "queued" });

    const c = await raw(gw, "POST", `/api/v1/jobs/${queued.job_id}/cancel`, { headers: k });
    expect(c.status).toBe(200);
    expect(JSON.parse(c.text)).toStrictEqual({ status: "cancelled" });

    const events = await stream.done;
    expect(events.at(-1)!.event).toBe("result");
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ status: "cancelled", error: "job cancelled by user" });

    const job = (await gw.json("GET", `/api/v1/jobs/${queued.job_id}`)).body;
    expect(job).toMatchObject({ status: "cancelled", error: "job cancelled by user", error_code: "cancelled" });
    expect(job.completed_at).toMatch(RFC3339_UTC_RE);

    const again = await raw(gw, "POST", `/api/v1/jobs/${queued.job_id}/cancel`, { headers: k });
    expect(again.status).toBe(409);
    expect(errorOf(again)).toBe("job already in terminal state");

    const unknown = await raw(gw, "POST", `/api/v1/jobs/${randomUUID()}/cancel`, { headers: k });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown)).toBe("job not found");

    // Clean up: the running job.
    expect((await gw.json("POST", `/api/v1/jobs/${hung.job_id}/cancel`)).status).toBe(200);
    await expectGoneWithin(pid, 2000);
  });

  it("answers two simultaneous cancels of one job with one 200 and one 409", async () => {
    const gw = gws.lifecycle;
    const pidFile = pidFilePath();
    const hung = await gw.submit({ prompt: `[[hang]] [[pid-file:${pidFile}]] double-cancel` });
    const queued = await gw.submit({ prompt: "double cancel target" });
    const pid = await pidFrom(pidFile);
    for (const id of [queued.job_id, hung.job_id]) {
      const both = await Promise.all([
        raw(gw, "POST", `/api/v1/jobs/${id}/cancel`, { headers: k }),
        raw(gw, "POST", `/api/v1/jobs/${id}/cancel`, { headers: k }),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    }
    await expectGoneWithin(pid, 2000);
  });

  it("forgets an SSE subscriber whose client went away", async () => {
    const gw = gws.lifecycle;
    const pidFile = pidFilePath();
    const hung = await gw.submit({ prompt: `[[hang]] [[pid-file:${pidFile}]] sse-abort` });
    const queued = await gw.submit({ prompt: "sse abort target" });
    const pid = await pidFrom(pidFile);
    const subscribers = async () => (await gw.json("GET", "/api/v1/stats")).body.stream_subscribers;
    const before = await subscribers();

    const ac = new AbortController();
    const res = await fetch(`${gw.url}/api/v1/jobs/${queued.job_id}/sse`, { headers: { "X-API-Key": API_KEY }, signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let head = "";
    while (!head.includes("event: status\n")) head += new TextDecoder().decode((await reader.read()).value);
    expect(head).toMatch(/^retry: \d+\n\nevent: status\n/);
    expect(await subscribers()).toBe(before + 1);
    ac.abort();
    await waitUntil(async () => (await subscribers()) === before, 5000, "the subscriber to be dropped");

    expect((await gw.json("DELETE", `/api/v1/jobs/${queued.job_id}`)).status).toBe(204);
    expect((await gw.json("DELETE", `/api/v1/jobs/${hung.job_id}`)).status).toBe(204);
    await expectGoneWithin(pid, 2000);
  });

  it("cancels a processing job: 200, its CLI is gone within 2 s, its SSE stream ends with `result`", async () => {
    const gw = gws.lifecycle;
    const pidFile = pidFilePath();
    const job = await gw.submit({ prompt: `[[hang]] [[pid-file:${pidFile}]] cancel-running` });
    const pid = await pidFrom(pidFile);
    expect(isAlive(pid)).toBe(true);
    await gw.waitJob(job.job_id, (j) => j.status === "processing");

    const stream = openSse(gw, job.job_id);
    await stream.opened;

    const c = await raw(gw, "POST", `/api/v1/jobs/${job.job_id}/cancel`, { headers: k });
    expect(c.status).toBe(200);
    expect(JSON.parse(c.text)).toStrictEqual({ status: "cancelled" });
    await expectGoneWithin(pid, 2000);

    const events = await stream.done;
    expect(events.at(-1)!.event).toBe("result");
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ status: "cancelled", error: "job cancelled by user" });

    const after = await gw.waitJob(job.job_id);
    expect(after).toMatchObject({ status: "cancelled", error: "job cancelled by user", error_code: "cancelled" });
    expect(after.completed_at).toMatch(RFC3339_UTC_RE);
    expect(after).not.toHaveProperty("result");

    const again = await raw(gw, "POST", `/api/v1/jobs/${job.job_id}/cancel`, { headers: k });
    expect(again.status).toBe(409);
    expect(errorOf(again)).toBe("job already in terminal state");
  });

  it("deletes a processing job: 204 empty, its CLI is gone, its SSE stream ends with `result`, then 404", async () => {
    const gw = gws.lifecycle;
    const pidFile = pidFilePath();
    const job = await gw.submit({ prompt: `[[hang]] [[pid-file:${pidFile}]] delete-running` });
    const pid = await pidFrom(pidFile);
    await gw.waitJob(job.job_id, (j) => j.status === "processing");

    const stream = openSse(gw, job.job_id);
    await stream.opened;

    const d = await raw(gw, "DELETE", `/api/v1/jobs/${job.job_id}`, { headers: k });
    expect(d.status).toBe(204);
    expect(d.text).toBe("");
    await expectGoneWithin(pid, 2000);

    const events = await stream.done;
    expect(events.at(-1)!.event).toBe("result");
    expect(JSON.parse(events.at(-1)!.data).status).toBe("cancelled");

    const get = await raw(gw, "GET", `/api/v1/jobs/${job.job_id}`, { headers: k });
    expect(get.status).toBe(404);
    expect(errorOf(get)).toBe("job not found");
    const del = await raw(gw, "DELETE", `/api/v1/jobs/${job.job_id}`, { headers: k });
    expect(del.status).toBe(404);
    expect(errorOf(del)).toBe("job not found");
  });

  it("deletes a queued job (its stream ends with `result`) and a finished one; 404 for an unknown id", async () => {
    const gw = gws.lifecycle;
    const pidFile = pidFilePath();
    const hung = await gw.submit({ prompt: `[[hang]] [[pid-file:${pidFile}]] delete-queued` });
    const queued = await gw.submit({ prompt: "to be deleted while queued" });
    const pid = await pidFrom(pidFile);

    const stream = openSse(gw, queued.job_id);
    await stream.opened;
    const d = await raw(gw, "DELETE", `/api/v1/jobs/${queued.job_id}`, { headers: k });
    expect(d.status).toBe(204);
    expect(d.text).toBe("");
    const events = await stream.done;
    expect(events.at(-1)!.event).toBe("result");
    expect((await raw(gw, "GET", `/api/v1/jobs/${queued.job_id}`, { headers: k })).status).toBe(404);

    // The running one: cancel it, then delete the (terminal) job.
    expect((await gw.json("POST", `/api/v1/jobs/${hung.job_id}/cancel`)).status).toBe(200);
    await expectGoneWithin(pid, 2000);
    const del = await raw(gw, "DELETE", `/api/v1/jobs/${hung.job_id}`, { headers: k });
    expect(del.status).toBe(204);
    expect(del.text).toBe("");
    expect((await raw(gw, "GET", `/api/v1/jobs/${hung.job_id}`, { headers: k })).status).toBe(404);

    const unknown = await raw(gw, "DELETE", `/api/v1/jobs/${randomUUID()}`, { headers: k });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown)).toBe("job not found");
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("SSE", () => {
  it("answers 404 JSON `job not found` for an unknown job", async () => {
    const r = await raw(gws.main, "GET", `/api/v1/jobs/${randomUUID()}/sse`, { headers: { "X-API-Key": API_KEY } });
    expect(r.status).toBe(404);
    expect(errorOf(r)).toBe("job not found");
  });

  it("replays a finished job's whole history, ending with exactly one `result` event, then ends the stream", async () => {
    const job = await gws.main.submit({ prompt: "[[reply:done |and dusted]] sse-finished", metadata: { m: 1 } });
    const done = await gws.main.waitJob(job.job_id);
    expect(done.status).toBe("completed");

    const res = await gws.main.request("GET", `/api/v1/jobs/${job.job_id}/sse`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const events = await readSse(res); // returns only once the server ends the stream
    expect(events.map((e) => e.event)).toEqual(["status", "status", "chunk", "chunk", "result"]);
    expect(events.map((e) => Number(e.id))).toEqual([1, 2, 3, 4, 5]);
    expect(JSON.parse(events.at(-1)!.data)).toStrictEqual({ job_id: done.job_id, status: "completed", result: "done and dusted", error: "" });
    expect(done).toMatchObject({ result: "done and dusted", metadata: { m: 1 } });
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("routing: unknown paths and wrong methods", () => {
  const k = { "X-API-Key": API_KEY };

  it("answers 404 JSON for unknown paths", async () => {
    for (const [path, headers] of [
      ["/api/v1/nope", k],
      ["/api/v2/jobs", k],
      ["/nope", {}],
      ["/nope", k],
    ] as const) {
      const r = await raw(gws.main, "GET", path, { headers });
      expect(r.status, path).toBe(404);
      expect(errorOf(r).length, path).toBeGreaterThan(0);
    }
    // Under /api an unknown path still needs a key first, as in the original.
    const noKey = await raw(gws.main, "GET", "/api/v1/nope");
    expect(noKey.status).toBe(401);
  });

  it("answers 405 JSON with an Allow header naming the right methods", async () => {
    const cases: [string, string, string[], string[]][] = [
      // method, path, must be in Allow, must not be in Allow
      ["PUT", "/api/v1/jobs", ["GET", "POST"], ["PUT", "DELETE"]],
      ["DELETE", "/api/v1/jobs", ["GET", "POST"], ["DELETE"]],
      ["PATCH", "/api/v1/jobs/x", ["GET", "DELETE"], ["PATCH", "POST"]],
      ["POST", "/api/v1/jobs/x", ["GET", "DELETE"], ["POST"]],
      ["GET", "/api/v1/jobs/x/cancel", ["POST"], ["GET"]],
      ["POST", "/api/v1/health", ["GET"], ["POST"]],
    ];
    for (const [method, path, must, mustNot] of cases) {
      const r = await raw(gws.main, method, path, { headers: k });
      const name = `${method} ${path}`;
      expect(r.status, name).toBe(405);
      expect(errorOf(r).length, name).toBeGreaterThan(0);
      const allow = (r.headers.get("allow") ?? "").split(",").map((s) => s.trim());
      for (const m of must) expect(allow, name).toContain(m);
      for (const m of mustNot) expect(allow, name).not.toContain(m);
    }
  });
});

describe("routing: HEAD", () => {
  it("does not refuse HEAD with 405 while its own Allow header lists HEAD", async () => {
    // The original served HEAD on every GET route. Either HEAD works like GET without a body, or a 405 must not
    // advertise it.
    for (const path of ["/api/v1/health", "/api/v1/jobs"]) {
      const r = await raw(gws.main, "HEAD", path, { headers: { "X-API-Key": API_KEY } });
      if (r.status === 405) {
        const allow = (r.headers.get("allow") ?? "").split(",").map((s) => s.trim());
        expect(allow, `HEAD ${path} answered 405 with Allow: ${r.headers.get("allow")}`).not.toContain("HEAD");
      } else {
        expect(r.status, path).toBe(200);
        expect(r.text, path).toBe("");
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("CORS (CLAUDEGATE_CORS_ORIGINS=https://a.example)", () => {
  const good = "https://a.example";
  const evil = "https://evil.example";

  it("echoes an allowed origin, varies on Origin and exposes X-Request-ID, on successes and errors", async () => {
    for (const [path, headers, status] of [
      ["/api/v1/health", {}, 200],
      ["/api/v1/jobs", { "X-API-Key": API_KEY }, 200],
      ["/api/v1/jobs", {}, 401],
    ] as const) {
      const r = await raw(gws.cors, "GET", path, { headers: { Origin: good, ...headers } });
      expect(r.status, path).toBe(status);
      expect(r.headers.get("access-control-allow-origin"), path).toBe(good);
      expect(r.headers.get("vary") ?? "", path).toMatch(/\bOrigin\b/i);
      expect(r.headers.get("access-control-expose-headers") ?? "", path).toMatch(/\bX-Request-ID\b/i);
    }
  });

  it("answers a preflight from an allowed origin with 204 and the allow headers, without a key", async () => {
    const r = await raw(gws.cors, "OPTIONS", "/api/v1/jobs", {
      headers: { Origin: good, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-api-key" },
    });
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect(r.headers.get("access-control-allow-origin")).toBe(good);
    expect(r.headers.get("access-control-allow-methods") ?? "").toMatch(/\bPOST\b/);
    expect(r.headers.get("access-control-allow-methods") ?? "").toMatch(/\bDELETE\b/);
    expect((r.headers.get("access-control-allow-headers") ?? "").toLowerCase()).toContain("x-api-key");
    expect((r.headers.get("access-control-allow-headers") ?? "").toLowerCase()).toContain("content-type");
    expect(r.headers.get("vary") ?? "").toMatch(/\bOrigin\b/i);
  });

  it("does not answer a preflight from another origin, and gives it no CORS headers", async () => {
    const r = await raw(gws.cors, "OPTIONS", "/api/v1/jobs", { headers: { Origin: evil, "Access-Control-Request-Method": "POST" } });
    expect(r.status).not.toBe(204);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    expect(r.headers.get("access-control-allow-methods")).toBeNull();
    // A plain request from it works but carries no CORS grant either.
    const get = await raw(gws.cors, "GET", "/api/v1/health", { headers: { Origin: evil } });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("rate limit (CLAUDEGATE_RATE_LIMIT=2, keys k1,k2,k3)", () => {
  it("limits submits per API key with 429 and Retry-After; another key and a spoofed X-Forwarded-For do not matter", async () => {
    const gw = gws.rate;
    const as = (key: string, extra: Record<string, string> = {}) => ({ "X-API-Key": key, "Content-Type": "application/json", ...extra });
    const body = JSON.stringify({ prompt: "rate" });
    const post = (headers: Record<string, string>) => raw(gw, "POST", "/api/v1/jobs", { headers, body });

    // Sent together, so that all of them fall well inside one refill period (1/N s): exactly N pass. One of
    // them carries a spoofed X-Forwarded-For, which must not buy it a bucket of its own.
    const spoof = { "X-Forwarded-For": `10.${Math.floor(Math.random() * 250)}.0.1` };
    const k1 = await Promise.all([post(as("k1")), post(as("k1")), post(as("k1")), post(as("k1", spoof))]);
    expect(k1.map((r) => r.status).sort()).toEqual([202, 202, 429, 429]);
    for (const limited of k1.filter((r) => r.status === 429)) {
      expect(JSON.parse(limited.text)).toStrictEqual({ error: "rate limit exceeded, slow down" });
      expect(limited.headers.get("content-type") ?? "").toMatch(/^application\/json/);
      expect(limited.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    }

    // k2 has its own bucket, untouched by k1; Bearer auth is the same key as X-API-Key.
    const k2 = await Promise.all([
      post(as("k2")),
      post({ Authorization: "Bearer k2", "Content-Type": "application/json" }),
      post(as("k2")),
    ]);
    expect(k2.map((r) => r.status).sort()).toEqual([202, 202, 429]);

    // Reads are never limited.
    for (let i = 0; i < 5; i++) expect((await raw(gw, "GET", "/api/v1/jobs", { headers: { "X-API-Key": "k1" } })).status).toBe(200);
    // The rejected submits left no rows: 4 accepted.
    expect((await raw(gw, "GET", "/api/v1/jobs", { headers: { "X-API-Key": "k1" } })).text).toMatch(/"total":4}$/);
  });

  it("limits every path the submit route answers to, e.g. with a trailing slash", async () => {
    const gw = gws.rate;
    const headers = { "X-API-Key": "k3", "Content-Type": "application/json" };
    const body = JSON.stringify({ prompt: "rate trailing slash" });
    // The router serves POST /api/v1/jobs/ as a submit; the limit must apply to it too.
    const probe = await raw(gw, "POST", "/api/v1/jobs/", { headers, body });
    expect(probe.status).toBe(202);
    const rest = await Promise.all([1, 2, 3].map(() => raw(gw, "POST", "/api/v1/jobs/", { headers, body })));
    expect([probe, ...rest].map((r) => r.status).sort()).toEqual([202, 202, 429, 429]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("GET /api/v1/health", () => {
  const credentials = () => join(gws.main.dataDir, "home", ".claude", ".credentials.json");
  const writeExpiry = (expiresAt: number) => {
    mkdirSync(join(gws.main.dataDir, "home", ".claude"), { recursive: true });
    writeFileSync(credentials(), JSON.stringify({ claudeAiOauth: { accessToken: "x", expiresAt } }));
  };
  const allStrings = (o: Record<string, unknown>) => Object.values(o).every((v) => typeof v === "string");
  const expectedAt = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

  afterAll(() => rmSync(credentials(), { force: true }));

  it("says ok and claude_auth unknown when the CLI exists and HOME has no credentials", async () => {
    rmSync(credentials(), { force: true });
    const r = await raw(gws.main, "GET", "/api/v1/health");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type") ?? "").toMatch(/^application\/json/);
    expect(JSON.parse(r.text)).toStrictEqual({ status: "ok", claude_auth: "unknown" });
  });

  it("reports a valid token with its expiry time and the time left", async () => {
    const expiresAt = Date.now() + 2 * 3600_000;
    writeExpiry(expiresAt);
    const r = await gws.main.json("GET", "/api/v1/health");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "ok", claude_auth: "valid", token_expires_at: expectedAt(expiresAt) });
    expect(r.body.token_expires_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(r.body.token_expires_in).toMatch(/^(1h59m5\ds|2h0m0s)$/);
    expect(allStrings(r.body)).toBe(true);
  });

  it("reports an expired token, with the time since expiry", async () => {
    const expiresAt = Date.now() - 90 * 60_000;
    writeExpiry(expiresAt);
    const r = await gws.main.json("GET", "/api/v1/health");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "ok", claude_auth: "expired", token_expires_at: expectedAt(expiresAt) });
    expect(r.body.token_expires_in).toMatch(/^1h30m\d+s$/);
    expect(allStrings(r.body)).toBe(true);
  });

  it("treats an unreadable credentials file as unknown", async () => {
    mkdirSync(join(gws.main.dataDir, "home", ".claude"), { recursive: true });
    writeFileSync(credentials(), "{ not json");
    expect((await gws.main.json("GET", "/api/v1/health")).body).toStrictEqual({ status: "ok", claude_auth: "unknown" });
    writeFileSync(credentials(), JSON.stringify({ claudeAiOauth: {} }));
    expect((await gws.main.json("GET", "/api/v1/health")).body).toStrictEqual({ status: "ok", claude_auth: "unknown" });
  });

  it("says degraded, with a reason naming the path, when the CLI is missing", async () => {
    const r = await raw(gws.degraded, "GET", "/api/v1/health");
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text);
    expect(body).toMatchObject({ status: "degraded", claude_auth: "unknown" });
    expect(body.reason).toContain("/nonexistent/claude");
    expect(allStrings(body)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("GET /api/v1/stats", () => {
  it("needs a key", async () => {
    const r = await raw(gws.stats, "GET", "/api/v1/stats");
    expect(r.status).toBe(401);
    expect(errorOf(r)).toBe("missing X-API-Key header");
  });

  it("reports queue depth by status, running CLIs, the CLI version and uptime", async () => {
    const r = await gws.stats.json("GET", "/api/v1/stats");
    expect(r.status).toBe(200);
    expect(r.body.queue).toStrictEqual({ queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 });
    expect(r.body.running_clis).toBe(0);
    expect(r.body.cli_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Number.isInteger(r.body.uptime_seconds)).toBe(true);
    expect(r.body.uptime_seconds).toBeGreaterThanOrEqual(0);
  });

  it("counts a queued and a running job", async () => {
    // The lifecycle gateway runs the fake CLI: a hung job runs, the next one waits.
    const gw = gws.lifecycle;
    const pidFile = pidFilePath();
    const hung = await gw.submit({ prompt: `[[hang]] [[pid-file:${pidFile}]] stats` });
    const queued = await gw.submit({ prompt: "stats queued" });
    const pid = await pidFrom(pidFile);
    try {
      const r = await gw.json("GET", "/api/v1/stats");
      expect(r.status).toBe(200);
      expect(r.body.queue.processing).toBe(1);
      expect(r.body.queue.queued).toBe(1);
      expect(r.body.running_clis).toBe(1);
    } finally {
      await gw.json("DELETE", `/api/v1/jobs/${queued.job_id}`);
      await gw.json("DELETE", `/api/v1/jobs/${hung.job_id}`);
      await expectGoneWithin(pid, 2000);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("job start latency", () => {
  it("runs the first job of a fresh gateway at once (not after the CLI version probe)", async () => {
    // The fake CLI (like any CLI that reads stdin) does not answer `--version` until stdin closes. The version
    // probe must neither hold one of the CONCURRENCY slots nor delay the first job.
    const gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
    try {
      const job = await gw.submit({ prompt: "first job" });
      const done = await gw.waitJob(job.job_id, (j) => j.status === "completed", 5000);
      expect(done.result).toBe("fake: first job");
    } finally {
      await gw.stop();
    }
  });
});
