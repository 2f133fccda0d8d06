// Streams you can join late, lose and resume: the durable event log behind SSE, with the real CLI.
import { connect } from "node:net";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamTokens } from "../../runtime/events/stream-token";
import { withDatabase } from "../support/database";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { API_KEY, GatewayProcess, waitUntil } from "../support/gateway-process";
import { readSse } from "../support/sse-client";

const SECRET = "s".repeat(40);
let fake: FakeAnthropic;
let gw: GatewayProcess;
const auth = { "X-API-Key": API_KEY };

beforeAll(async () => {
  fake = await startFakeAnthropic();
  gw = await GatewayProcess.start({
    env: { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_CONCURRENCY: "2", CLAUDEGATE_STREAM_SECRET: SECRET, CLAUDEGATE_SSE_HEARTBEAT_SECONDS: "1" },
  });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
});

const sseUrl = (id: string, q = "") => `${gw.url}/api/v1/jobs/${id}/sse${q}`;
const chunkTexts = (events: { event?: string; data: string }[]) => events.filter((e) => e.event === "chunk").map((e) => JSON.parse(e.data).text);
const ids = (events: { id?: string }[]) => events.filter((e) => e.id !== undefined).map((e) => Number(e.id));

describe("durable streams", () => {
  it("gives a subscriber who joins after 3 of 10 chunks all 10, in order, with ids", async () => {
    const job = await gw.submit({ prompt: "[[chunks:10]][[delay:150]] late-join" });
    let late: Promise<{ events: any[] }> | undefined;
    const early = await readSse(sseUrl(job.job_id), {
      headers: auth,
      onEvent: (_e, events) => {
        if (!late && chunkTexts(events).length === 3) late = readSse(sseUrl(job.job_id), { headers: auth });
      },
    });
    const lateEvents = (await late!).events;
    expect(chunkTexts(lateEvents)).toEqual(["c1 ", "c2 ", "c3 ", "c4 ", "c5 ", "c6 ", "c7 ", "c8 ", "c9 ", "c10 "]);
    expect(ids(lateEvents)).toEqual(ids(early.events));
    const seqs = ids(lateEvents);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // 1..n, no gap, no duplicate
    expect(lateEvents.at(-1)!.event).toBe("result");
    // Every payload names its job; the original's keys are kept.
    expect(JSON.parse(lateEvents.at(-1)!.data)).toEqual({ job_id: job.job_id, status: "completed", result: chunkTexts(lateEvents).join(""), error: "" });
  });

  it("resumes after Last-Event-ID with exactly what follows, and the same with ?after=", async () => {
    const job = await gw.submit({ prompt: "[[chunks:10]][[delay:100]] resume" });
    const first = await readSse(sseUrl(job.job_id), { headers: auth, until: (ev) => chunkTexts(ev).length === 4 });
    const lastId = first.events.at(-1)!.id!;
    const rest = await readSse(sseUrl(job.job_id), { headers: { ...auth, "Last-Event-ID": lastId } });
    expect(chunkTexts(rest.events)).toEqual(["c5 ", "c6 ", "c7 ", "c8 ", "c9 ", "c10 "]);
    expect(rest.events.at(-1)!.event).toBe("result");
    expect(ids(rest.events)[0]).toBe(Number(lastId) + 1);
    const viaQuery = await readSse(sseUrl(job.job_id, `?after=${lastId}`), { headers: auth });
    expect(viaQuery.events).toEqual(rest.events);
    // Resuming after the result: nothing more will come, and 204 tells EventSource not to reconnect.
    const after = await fetch(sseUrl(job.job_id, `?after=${ids(rest.events).at(-1)}`), { headers: auth });
    expect(after.status).toBe(204);
  });

  it("delivers identical sequences to 200 concurrent subscribers", async () => {
    const job = await gw.submit({ prompt: "[[chunks:20]][[delay:50]] fan-out" });
    const readers = await Promise.all(Array.from({ length: 200 }, () => readSse(sseUrl(job.job_id), { headers: auth })));
    const reference = JSON.stringify(readers[0]!.events.filter((e) => e.id));
    expect(chunkTexts(readers[0]!.events).length).toBe(20);
    for (const r of readers) expect(JSON.stringify(r.events.filter((e) => e.id))).toBe(reference);
  });

  it("lets a browser-style EventSource read a whole job through urls.stream, without headers", async () => {
    const job = await gw.submit({ prompt: "[[reply:one |two |three]] browser" });
    expect(job.urls).toEqual({
      get: `/api/v1/jobs/${job.job_id}`,
      cancel: `/api/v1/jobs/${job.job_id}/cancel`,
      stream: expect.stringMatching(new RegExp(`^/api/v1/jobs/${job.job_id}/sse\\?token=\\d+\\.[\\w-]{43}$`)),
    });
    const es = new EventSource(gw.url + job.urls.stream);
    const texts: string[] = [];
    const result = await new Promise<any>((resolve, reject) => {
      es.addEventListener("chunk", (e) => texts.push(JSON.parse(e.data).text));
      es.addEventListener("result", (e) => resolve(JSON.parse(e.data)));
      es.onerror = (e) => reject(new Error(`EventSource error: ${JSON.stringify(e)}`));
    });
    es.close();
    expect(texts.join("")).toBe("one two three");
    expect(result).toMatchObject({ status: "completed", result: "one two three" });
  });

  it("refuses forged, expired and other-job stream tokens", async () => {
    const a = await gw.submit({ prompt: "token-a" });
    const b = await gw.submit({ prompt: "token-b" });
    const token = a.urls.stream.split("token=")[1];
    const forged = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    const expired = new StreamTokens(SECRET, 1000).mint(a.job_id, Date.now() - 10_000);
    const wrongKey = new StreamTokens("x".repeat(40), 3_600_000).mint(a.job_id);
    for (const t of [forged, expired, wrongKey, "garbage", ""]) {
      const res = await fetch(sseUrl(a.job_id, `?token=${t}`));
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "invalid or expired stream token" });
    }
    expect((await fetch(sseUrl(b.job_id, `?token=${token}`))).status).toBe(401);
    // The token opens the stream and nothing else.
    expect((await fetch(`${gw.url}/api/v1/jobs/${a.job_id}?token=${token}`)).status).toBe(401);
    expect((await fetch(sseUrl(a.job_id, `?token=${token}`))).status).toBe(200);
  });

  it("sends a heartbeat on a queued job's stream within the configured interval", async () => {
    // Two hung jobs fill both slots, so the third stays queued.
    const hung = [await gw.submit({ prompt: "[[hang]] hb-1" }), await gw.submit({ prompt: "[[hang]] hb-2" })];
    const queued = await gw.submit({ prompt: "hb-queued" });
    const t0 = Date.now();
    let pingAt = 0;
    try {
      await readSse(sseUrl(queued.job_id), { headers: auth, onComment: (c) => c === "ping" && (pingAt ||= Date.now()), until: () => pingAt > 0 });
      expect(pingAt - t0).toBeLessThan(1000 + 1000); // interval 1 s, plus scheduling slack on a loaded machine
      expect((await gw.json("GET", `/api/v1/jobs/${queued.job_id}`)).body.status).toBe("queued");
    } finally {
      for (const j of [...hung, queued]) await gw.json("POST", `/api/v1/jobs/${j.job_id}/cancel`);
    }
  });

  it("cuts off a reader that never reads, while a normal reader on the same job gets everything", async () => {
    const cutBefore = await gw.metric("claudegate_sse_slow_readers_cut_total");
    const job = await gw.submit({ prompt: `[[bytes:${6_000_000}]][[delay:1]] stalled` });
    const stalled = connect(new URL(gw.url).port ? Number(new URL(gw.url).port) : 80, "127.0.0.1");
    stalled.write(`GET /api/v1/jobs/${job.job_id}/sse HTTP/1.1\r\nHost: x\r\nX-API-Key: ${API_KEY}\r\n\r\n`);
    stalled.pause(); // never read
    const closed = new Promise<void>((resolve) => stalled.on("close", () => resolve()));
    const normal = await readSse(sseUrl(job.job_id), { headers: auth });
    expect(normal.events.at(-1)!.event).toBe("result");
    expect(chunkTexts(normal.events).join("").length).toBe(6_000_000);
    // Now drain what the stalled reader got: its stream was cut before the end.
    let raw = "";
    stalled.on("data", (d) => (raw += d));
    stalled.resume();
    await closed;
    expect(raw).toContain("event: chunk");
    expect(raw).not.toContain("event: result");
    expect(await gw.metric("claudegate_sse_slow_readers_cut_total")).toBe(cutBefore! + 1);
  });

  it("serves the same history as JSON for clients that poll", async () => {
    const job = await gw.submit({ prompt: "[[reply:a|b|c]] history-json" });
    const sse = await readSse(sseUrl(job.job_id), { headers: auth });
    const all = (await gw.json("GET", `/api/v1/jobs/${job.job_id}/events`)).body;
    expect(all.done).toBe(true);
    expect(all.events.map((e: any) => [String(e.id), e.event, JSON.stringify(e.data)])).toEqual(
      sse.events.filter((e) => e.id).map((e) => [e.id, e.event, e.data]),
    );
    const page = (await gw.json("GET", `/api/v1/jobs/${job.job_id}/events?after=1&limit=2`)).body;
    expect(page.events.map((e: any) => e.id)).toEqual([2, 3]);
    expect(page).toMatchObject({ last_id: 3, has_more: true, done: false });
    expect((await gw.json("GET", `/api/v1/jobs/${job.job_id}/events?limit=0`)).status).toBe(400);
  });

  it("reports the CLI's API retries as status events while the job waits", async () => {
    const g = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDE_CODE_MAX_RETRIES: "1" } });
    try {
      const job = await g.submit({ prompt: "[[status:529]] retry-events" });
      const { events } = await readSse(`${g.url}/api/v1/jobs/${job.job_id}/sse`, { headers: auth });
      const retrying = events.filter((e) => e.event === "status" && e.data.includes("retrying")).map((e) => JSON.parse(e.data));
      expect(retrying).toEqual([
        { job_id: job.job_id, status: "processing", retrying: { attempt: 1, max_retries: 1, delay_ms: expect.any(Number), error_status: 529 } },
      ]);
      expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ status: "failed" });
    } finally {
      await g.stop();
    }
  });

  it("keeps a stream open for as long as its job runs, past every server timeout", async () => {
    // 36 s of output, a chunk every 4.5 s: longer than the server's 30 s request timeout and the original's
    // 120 s write cut-off is the same kind of limit.
    const job = await gw.submit({ prompt: "[[chunks:8]][[delay:4500]] long-stream" });
    const { events } = await readSse(sseUrl(job.job_id), { headers: auth });
    expect(chunkTexts(events).length).toBe(8);
    expect(events.at(-1)!.event).toBe("result");
  }, 90_000);

  it("deletes a job's events with the job", async () => {
    const job = await gw.submit({ prompt: "[[reply:x|y]] delete-events" });
    await gw.waitJob(job.job_id);
    const count = () => withDatabase(gw, (db) => db.value<number>("SELECT COUNT(*) FROM job_events WHERE job_id = ?", job.job_id));
    await waitUntil(async () => (await count()) > 3, 5_000, "events to be flushed");
    expect((await gw.request("DELETE", `/api/v1/jobs/${job.job_id}`)).status).toBe(204);
    expect(await count()).toBe(0);
    expect((await gw.json("GET", `/api/v1/jobs/${job.job_id}/events`)).status).toBe(404);
  });
});
