// The HTTP contract of the job API, driven over real HTTP against the built gateway: status codes, exact
// `{"error": ...}` bodies and headers. Jobs that must run use the scripted fake CLI (fast); `[[hang]]` keeps a job
// processing so that (with the default concurrency 1) the next one stays queued behind it.
// This file: Cancel and delete of queued and running jobs (their CLIs and streams end), the SSE contract, and stats.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { API_KEY, FAKE_CLI, waitUntil } from "../support/gateway-process";
import { isAlive } from "../support/processes";
import { RFC3339_UTC_RE, errorOf, expectGoneWithin, openSse, pidFilePath, pidFrom, raw, readSse, useGateways } from "../support/contract";

const gws = useGateways({
  /** auth, submit validation, get, SSE of finished jobs, routing, health. */
  main: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI },
  /** cancel and delete of queued and processing jobs. */
  lifecycle: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI },
  /** stats, with the real CLI so that `--version` answers. */
  stats: {},
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
