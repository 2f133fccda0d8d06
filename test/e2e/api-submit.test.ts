// The HTTP contract of the job API, driven over real HTTP against the built gateway: status codes, exact
// `{"error": ...}` bodies and headers. Jobs that must run use the scripted fake CLI (fast); `[[hang]]` keeps a job
// processing so that (with the default concurrency 1) the next one stays queued behind it.
// This file: Submitting, the queue cap, reading a job and listing jobs.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { API_KEY, FAKE_CLI } from "../support/gateway-process";
import { RFC3339_UTC_RE, UUID_RE, errorOf, pidFilePath, pidFrom, raw, submitRaw, total, useGateways } from "../support/contract";

const gws = useGateways({
  /** auth, submit validation, get, SSE of finished jobs, routing, health. */
  main: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI },
  /** the queue cap. */
  queueCap: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_QUEUE_SIZE: "2" },
  /** listing: starts empty. */
  list: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI },
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
      [JSON.stringify({ prompt: "x", model: "gpt-4" }), "model must be one of: haiku, sonnet, opus or a full model id (claude-...)"],
      [JSON.stringify({ prompt: "x", model: "Haiku" }), "model must be one of: haiku, sonnet, opus or a full model id (claude-...)"],
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
